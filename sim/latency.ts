/**
 * Per-message latency distributions. Each draw takes a fixed number of values
 * from the link's own random stream, so changing one link's traffic never
 * shifts another link's draws.
 */
import type { Random } from '../src/env/types.ts'
import { ScenarioError } from './errors.ts'

/** A latency distribution, in virtual milliseconds. */
export type LatencyModel =
  /** Uniform on [minMs, maxMs]. */
  | { kind: 'uniform'; minMs: number; maxMs: number }
  /** Normal, clamped to [minMs, maxMs] (defaults 0 and unbounded). */
  | { kind: 'normal'; meanMs: number; stddevMs: number; minMs?: number; maxMs?: number }
  /** Long-tailed (Pareto with shape `alpha`, scale `minMs`), capped at `maxMs` (default 1000 × minMs). */
  | { kind: 'pareto'; minMs: number; alpha: number; maxMs?: number }

/** A latency option: `[minMs, maxMs]` is shorthand for uniform. */
export type LatencyOption = readonly [number, number] | LatencyModel

/** The cap on a long-tailed draw when none is given, as a multiple of its minimum. */
const paretoCapFactor = 1000

function requireNonNegative(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ScenarioError(field, `expected a finite number ≥ 0, got ${JSON.stringify(value)}`)
  }
  return value
}

function checkOrdered(field: string, minMs: number, maxMs: number): void {
  if (maxMs < minMs) throw new ScenarioError(field, `maxMs ${maxMs} is below minMs ${minMs}`)
}

/** Validates a latency option and returns its model; a bad field throws `ScenarioError` naming it. */
export function toLatencyModel(option: unknown, field = 'network.latencyMs'): LatencyModel {
  if (Array.isArray(option)) {
    if (option.length !== 2) throw new ScenarioError(field, 'expected [minMs, maxMs]')
    const minMs = requireNonNegative(`${field}[0]`, option[0])
    const maxMs = requireNonNegative(`${field}[1]`, option[1])
    checkOrdered(field, minMs, maxMs)
    return { kind: 'uniform', minMs, maxMs }
  }
  const m = (typeof option === 'object' && option !== null ? option : {}) as Record<string, unknown>
  switch (m.kind) {
    case 'uniform': {
      const minMs = requireNonNegative(`${field}.minMs`, m.minMs)
      const maxMs = requireNonNegative(`${field}.maxMs`, m.maxMs)
      checkOrdered(field, minMs, maxMs)
      return { kind: 'uniform', minMs, maxMs }
    }
    case 'normal': {
      const meanMs = requireNonNegative(`${field}.meanMs`, m.meanMs)
      const stddevMs = requireNonNegative(`${field}.stddevMs`, m.stddevMs)
      const minMs = m.minMs === undefined ? 0 : requireNonNegative(`${field}.minMs`, m.minMs)
      const maxMs =
        m.maxMs === undefined ? Number.POSITIVE_INFINITY : requireNonNegative(`${field}.maxMs`, m.maxMs)
      checkOrdered(field, minMs, maxMs)
      return { kind: 'normal', meanMs, stddevMs, minMs, maxMs }
    }
    case 'pareto': {
      const minMs = requireNonNegative(`${field}.minMs`, m.minMs)
      const alpha = requireNonNegative(`${field}.alpha`, m.alpha)
      if (alpha === 0) throw new ScenarioError(`${field}.alpha`, 'must be > 0')
      const maxMs =
        m.maxMs === undefined ? minMs * paretoCapFactor : requireNonNegative(`${field}.maxMs`, m.maxMs)
      checkOrdered(field, minMs, maxMs)
      return { kind: 'pareto', minMs, alpha, maxMs }
    }
    default:
      throw new ScenarioError(
        field,
        `expected [minMs, maxMs] or { kind: 'uniform' | 'normal' | 'pareto', ... }`,
      )
  }
}

/** Rounds to whole microseconds so trace times stay short. */
function toMicros(ms: number): number {
  return Math.round(ms * 1000) / 1000
}

/** One latency draw from `model`. Uniform and Pareto take one value from `random`, normal takes two. */
export function drawLatencyMs(model: LatencyModel, random: Random): number {
  switch (model.kind) {
    case 'uniform':
      return toMicros(model.minMs + random.next() * (model.maxMs - model.minMs))
    case 'normal': {
      // Box–Muller: 1 - u is in (0, 1], so the log is finite.
      const radius = Math.sqrt(-2 * Math.log(1 - random.next()))
      const gaussian = radius * Math.cos(2 * Math.PI * random.next())
      const ms = model.meanMs + gaussian * model.stddevMs
      return toMicros(Math.min(model.maxMs ?? ms, Math.max(model.minMs ?? 0, ms)))
    }
    case 'pareto': {
      const ms = model.minMs / (1 - random.next()) ** (1 / model.alpha)
      return toMicros(Math.min(model.maxMs ?? model.minMs * paretoCapFactor, ms))
    }
  }
}
