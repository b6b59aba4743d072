#!/usr/bin/env node
/**
 * The `isthmus` command (package bin). Runs from source too:
 * `node cli/main.ts sim --scenario partition-heal --seed 7`.
 */
import { runCli } from './commands.ts'

// exitCode rather than exit(): stdout may still be draining into a pipe.
process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr })
