/**
 * The simulated network's options, their documented defaults, and their
 * validation (a bad field throws `ScenarioError` naming it).
 */
import { ScenarioError } from './errors.ts'
import { type LatencyModel, type LatencyOption, toLatencyModel } from './latency.ts'

export interface NetworkOptions {
  /** Per-message latency; `[minMs, maxMs]` is uniform. Default `[1, 10]`. */
  latencyMs?: LatencyOption
  /** Probability that a frame is lost, in [0, 1). Default 0. */
  loss?: number
  /** Probability that a frame is delivered twice, in [0, 1). Default 0. */
  duplicate?: number
  /** Frames on one link may overtake each other. Default false: per-link FIFO holds. */
  reorder?: boolean
  /** How long a node takes to notice a connection died (cut, crashed peer). Default 500 ms. */
  disconnectDetectMs?: number
  /** How long a connection takes to come up once both ends run and the link is passable. Default 20 ms. */
  connectMs?: number
  /** A `dial` that has not connected by then rejects. Default 5000 ms. */
  dialTimeoutMs?: number
  /** Larger frames are refused (`send` returns false). Default 4 MiB, the size real stream muxers allow. */
  frameBytesMax?: number
  /** Frames in flight per directed link; beyond it `send` returns false ("queue full"). Default 10 000. */
  inFlightPerLinkMax?: number
}

/** Every option with its default applied; the latency as a model. */
export interface ResolvedNetworkOptions {
  latency: LatencyModel
  loss: number
  duplicate: number
  reorder: boolean
  disconnectDetectMs: number
  connectMs: number
  dialTimeoutMs: number
  frameBytesMax: number
  inFlightPerLinkMax: number
}

export const NETWORK_DEFAULTS = {
  latencyMs: [1, 10] as const,
  loss: 0,
  duplicate: 0,
  reorder: false,
  disconnectDetectMs: 500,
  connectMs: 20,
  dialTimeoutMs: 5000,
  frameBytesMax: 4 * 1024 * 1024,
  inFlightPerLinkMax: 10_000,
}

function probability(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
    throw new ScenarioError(field, `expected a probability in [0, 1), got ${JSON.stringify(value)}`)
  }
  return value
}

function count(field: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new ScenarioError(field, `expected a number ≥ ${min}, got ${JSON.stringify(value)}`)
  }
  return value
}

const knownOptions = new Set(Object.keys(NETWORK_DEFAULTS))

/** Validates network options (from code or a JSON scenario) and applies the defaults. */
export function resolveNetworkOptions(options: unknown = {}, field = 'network'): ResolvedNetworkOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ScenarioError(field, 'expected an object')
  }
  const o = options as Record<string, unknown>
  for (const key of Object.keys(o)) {
    if (!knownOptions.has(key)) throw new ScenarioError(`${field}.${key}`, 'unknown option')
  }
  if (o.reorder !== undefined && typeof o.reorder !== 'boolean') {
    throw new ScenarioError(`${field}.reorder`, 'expected a boolean')
  }
  const d = NETWORK_DEFAULTS
  return {
    latency: toLatencyModel(o.latencyMs ?? d.latencyMs, `${field}.latencyMs`),
    loss: probability(`${field}.loss`, o.loss, d.loss),
    duplicate: probability(`${field}.duplicate`, o.duplicate, d.duplicate),
    reorder: (o.reorder as boolean | undefined) ?? d.reorder,
    disconnectDetectMs: count(`${field}.disconnectDetectMs`, o.disconnectDetectMs, d.disconnectDetectMs, 0),
    connectMs: count(`${field}.connectMs`, o.connectMs, d.connectMs, 0),
    dialTimeoutMs: count(`${field}.dialTimeoutMs`, o.dialTimeoutMs, d.dialTimeoutMs, 0),
    frameBytesMax: count(`${field}.frameBytesMax`, o.frameBytesMax, d.frameBytesMax, 1),
    inFlightPerLinkMax: count(`${field}.inFlightPerLinkMax`, o.inFlightPerLinkMax, d.inFlightPerLinkMax, 1),
  }
}
