/**
 * The dependency rules of DESIGN.md §1, checked by dependency-cruiser in
 * `npm run lint` (package.json scripts."lint:deps" passes every .ts file of the
 * project by name; see the note at the end).
 *
 *   cli ──> anything            bench, test, examples ──> anything
 *   index.ts (the package entry) ──> src, crdt, store, transport
 *   sim ──> src, crdt, store (memory), transport (interface)
 *   src ──> crdt, transport (interface only), store (interface only)
 *   crdt, store, transport ──> src/env only
 *   src/env: a leaf every folder may import
 *
 * Paths are relative to the repository root.
 */

/** Folders (and the top-level entry file) that make up the project. */
const project = '^(index\\.ts$|src/|cli/|crdt/|store/|transport/|sim/|bench/|test/|examples/)'

/** npm packages src/ must never import: the network and the disk arrive as Transport and Store. */
const networkAndDiskPackages =
  'node_modules/(libp2p|@libp2p/[^/]+|@chainsafe/[^/]+|@multiformats/[^/]+|classic-level)/'

/** Test-only code: vitest and the conformance suites that run on it (the `isthmus/store/conformance` and `isthmus/transport/conformance` entries). */
const conformance = '(^|/)conformance[^/]*\\.ts$'

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Import cycles make load order matter and hide which module is the lower layer. `import type` edges count too: the parser cannot tell them apart (see the note in options), and a type cycle is still two modules that know each other.',
      from: { path: project },
      to: { circular: true },
    },
    {
      name: 'env-is-a-leaf',
      severity: 'error',
      comment:
        'src/env (Clock, Random, Logger, systemEnv) is the leaf every folder imports; it imports nothing of the project.',
      from: { path: '^src/env/' },
      to: { path: project, pathNot: '^src/env/' },
    },
    {
      name: 'libraries-import-only-env',
      severity: 'error',
      comment:
        'crdt/, store/ and transport/ are libraries under the node: they import nothing of the project but src/env.',
      from: { path: '^(crdt|store|transport)/' },
      to: { path: project, pathNot: '^($1/|src/env/)' },
    },
    {
      name: 'src-not-sim-or-cli',
      severity: 'error',
      comment: 'src/ is the node runtime: the simulator, the CLI, benchmarks and tests sit on top of it.',
      from: { path: '^src/' },
      to: { path: '^(index\\.ts$|sim/|cli/|bench/|test/|examples/)' },
    },
    {
      name: 'src-no-network-or-disk',
      severity: 'error',
      comment:
        'src/ never imports libp2p or classic-level: one code path runs in production and in the simulator.',
      from: { path: '^src/' },
      to: { path: networkAndDiskPackages },
    },
    {
      name: 'src-store-transport-interfaces-only',
      severity: 'error',
      comment:
        'src/ sees a Store and a Transport through their interface files only (crdt/ backends it may import).',
      from: { path: '^src/' },
      to: { path: '^(store|transport)/', pathNot: '^(store/store\\.ts|transport/transport\\.ts)$' },
    },
    {
      name: 'subsystems-own-their-frames',
      severity: 'error',
      comment:
        'Each subsystem owns its frame codec: membership (heartbeats) and sync never import each other, and src/wire (the shared envelope) imports neither; only the node (src/node/frames.ts) knows both.',
      from: { path: '^src/(membership|sync|wire)/' },
      to: { path: '^src/(membership|sync|wire|node)/', pathNot: '^src/($1|wire)/' },
    },
    {
      name: 'sim-not-cli-or-real-adapters',
      severity: 'error',
      comment:
        'sim/ runs the node on simulated adapters: memory stores and the Transport interface, never libp2p or LevelDB on disk.',
      from: { path: '^sim/' },
      to: {
        path: `^(index\\.ts$|cli/|bench/|test/|examples/|transport/|store/classic-level-store\\.ts$)|${networkAndDiskPackages}`,
        pathNot: '^transport/transport\\.ts$',
      },
    },
    {
      name: 'entry-not-sim-or-cli',
      severity: 'error',
      comment:
        'index.ts (the package entry) wires the default store and transport; the simulator and the CLI have entries of their own.',
      from: { path: '^index\\.ts$' },
      to: { path: '^(sim/|cli/|bench/|test/|examples/)' },
    },
    {
      name: 'nothing-imports-the-cli',
      severity: 'error',
      comment:
        'The CLI is an application on top of everything: only tests, benchmarks and examples (npm start) reach into it.',
      from: { path: project, pathNot: '^(cli/|test/|bench/|examples/)' },
      to: { path: '^cli/' },
    },
    {
      name: 'conformance-suites-only-from-tests',
      severity: 'error',
      comment:
        'The conformance suites import vitest (an optional peer dependency): only their own entries and tests may import them, so `isthmus/store` runs without vitest.',
      from: { path: project, pathNot: `^(test|bench)/|${conformance}` },
      to: { path: conformance },
    },
    {
      name: 'shipped-code-no-dev-dependencies',
      severity: 'error',
      comment:
        'What the package ships (dist/ of src, crdt, store, transport, sim, index.ts) imports only `dependencies`: an installed package has no devDependencies.',
      from: { path: '^(index\\.ts$|src/|cli/|crdt/|store/|transport/|sim/)', pathNot: conformance },
      to: { dependencyTypes: ['npm-dev', 'npm-no-pkg', 'npm-unknown'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|\\.isthmus)/' },
    // The `isthmus/...` self-imports (tests, examples) resolve through package.json `exports`.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'node', 'default'],
      extensions: ['.ts', '.js'],
    },
    // Note: dependency-cruiser reads TypeScript through the `typescript` package's API, which
    // TypeScript 7 (the native compiler this project uses) does not ship yet. Without it,
    // dependency-cruiser parses each file as JavaScript with acorn's error-tolerant parser and
    // follows nothing by itself, so scripts.lint passes every .ts file by name.
    // test/package/dependency-rules.test.ts checks that this reading finds every import across
    // folders (and that a wrong import fails lint).
  },
}
