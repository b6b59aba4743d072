/**
 * Task scenarios run through the one named-scenario runner (agent-run.ts),
 * under the names the task scenario tests use.
 */
export { runAgentScenario as runTaskScenario } from './agent-run.ts'
