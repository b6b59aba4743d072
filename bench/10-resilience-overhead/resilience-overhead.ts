/**
 * #10 resilience overhead. `policy(env).execute(fn)` with all five parts
 * (timeout, retry, breaker, bulkhead, fallback) around a function returning
 * a resolved promise, on the system Env (so the timeout arms a real timer,
 * as cockatiel's does), against calling the function directly and against
 * cockatiel's equivalent `wrap(fallback, bulkhead, retry, circuitBreaker,
 * timeout)` (the same nesting as ours), all in the same process and run.
 * Calls are awaited one after another; rounds alternate between the three
 * so that JIT warm-up and machine noise fall on each alike, and the median
 * round counts. The target is on the overhead: (policy − direct) against
 * (cockatiel − direct), ≤ 1.5×.
 *
 * cockatiel runs twice: with its defaults, where the timeout aborts its
 * signal when the call returns (`abortOnReturn`: building that AbortError
 * costs microseconds), and with `abortOnReturn: false`, which is what ours
 * does (a settled call's signal stays as it was). The target is set against
 * the second: the closer, and faster, peer.
 */
import {
  type BulkheadPolicy,
  ConsecutiveBreaker,
  circuitBreaker,
  bulkhead as cockatielBulkhead,
  fallback as cockatielFallback,
  retry as cockatielRetry,
  timeout as cockatielTimeout,
  ExponentialBackoff,
  handleAll,
  TimeoutStrategy,
  wrap,
} from 'cockatiel'
import { systemEnv } from '../../src/env/system.ts'
import { policy } from '../../src/resilience/index.ts'
import { median } from '../harness/measure.ts'
import { type Benchmark, type BenchOptions, type BenchResult, row } from '../harness/result.ts'

const BENCH = 'resilience-overhead'

/** Calls per round, and rounds per contender (full, --quick). */
const sizes = { full: { calls: 200_000, rounds: 9 }, quick: { calls: 50_000, rounds: 5 } }

type Call = () => Promise<number>

const fn = (): Promise<number> => Promise.resolve(1)

function isthmusCall(): Call {
  const p = policy(systemEnv())
    .timeout({ ms: 10_000 })
    .retry({ maxAttempts: 3, baseMs: 200, maxMs: 5_000, jitter: 'full' })
    .breaker({ failureThreshold: 5, resetMs: 30_000 })
    .bulkhead({ maxConcurrent: 4, maxQueue: 32 })
    .fallback(() => 0)
  return () => p.execute(fn)
}

function cockatielCall(abortOnReturn: boolean): Call {
  const p = wrap(
    cockatielFallback(handleAll, () => 0),
    cockatielBulkhead(4, 32) as BulkheadPolicy,
    cockatielRetry(handleAll, {
      maxAttempts: 3,
      backoff: new ExponentialBackoff({ initialDelay: 200, maxDelay: 5_000 }),
    }),
    circuitBreaker(handleAll, { halfOpenAfter: 30_000, breaker: new ConsecutiveBreaker(5) }),
    cockatielTimeout(10_000, { strategy: TimeoutStrategy.Aggressive, abortOnReturn }),
  )
  return () => p.execute(fn)
}

/** Wall ns per call over `calls` sequential awaited calls. */
async function nsPerCall(call: Call, calls: number): Promise<number> {
  const startNs = process.hrtime.bigint()
  for (let i = 0; i < calls; i++) await call()
  return Number(process.hrtime.bigint() - startNs) / calls
}

const contenders = {
  direct: { label: 'fn() directly', make: (): Call => fn },
  cockatielDefaults: { label: 'cockatiel wrap, defaults', make: () => cockatielCall(true) },
  cockatiel: { label: 'cockatiel wrap, abortOnReturn off', make: () => cockatielCall(false) },
  isthmus: { label: 'policy(env), 5 policies', make: isthmusCall },
} as const
type Contender = keyof typeof contenders

/** Median ns per call of each contender, rounds interleaved. */
async function measure(options: BenchOptions): Promise<Record<Contender, number>> {
  const { calls, rounds } = options.quick ? sizes.quick : sizes.full
  const names = Object.keys(contenders) as Contender[]
  const callOf = Object.fromEntries(names.map((n) => [n, contenders[n].make()])) as Record<Contender, Call>
  const samples = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<Contender, number[]>
  for (const name of names) await nsPerCall(callOf[name], calls / 5) // warm-up
  for (let round = 0; round < rounds; round++) {
    for (const name of names) samples[name].push(await nsPerCall(callOf[name], calls))
    options.log(`round ${round + 1}/${rounds}`)
  }
  return Object.fromEntries(names.map((n) => [n, median(samples[n])])) as Record<Contender, number>
}

async function run(options: BenchOptions): Promise<BenchResult[]> {
  const ns = await measure(options)
  const fields = (name: Contender, metric: string, value: number) => ({
    bench: BENCH,
    case: contenders[name].label,
    metric,
    value,
    unit: 'ns',
  })
  const direct = { name: 'direct', value: ns.direct }
  const overhead = (name: Contender): number => ns[name] - ns.direct
  return [
    row(fields('direct', 'ns per call', ns.direct)),
    row(fields('cockatielDefaults', 'ns per call', ns.cockatielDefaults), direct),
    row(fields('cockatiel', 'ns per call', ns.cockatiel), direct),
    row(fields('isthmus', 'ns per call', ns.isthmus), direct),
    row(
      { ...fields('isthmus', 'overhead per call', overhead('isthmus')), target: { cmp: '<=', ratio: 1.5 } },
      { name: 'cockatiel overhead, abortOnReturn off', value: overhead('cockatiel') },
    ),
    row(fields('isthmus', 'overhead per call', overhead('isthmus')), {
      name: 'cockatiel overhead, defaults',
      value: overhead('cockatielDefaults'),
    }),
  ]
}

/** BENCHMARKS.md #10. */
export const resilienceOverhead: Benchmark = { id: 10, name: BENCH, run }
