/** A PolicyEventSink that keeps every event, for asserting sequences. */
import type { PolicyEventSink, PolicyEvents } from '../../src/resilience/index.ts'

export interface Recorded {
  name: keyof PolicyEvents
  event: Parameters<PolicyEvents[keyof PolicyEvents]>[0]
  atMs?: number
}

export function recorder(now?: () => number): PolicyEventSink & { events: Recorded[]; names(): string[] } {
  const events: Recorded[] = []
  return {
    events,
    emit(name, ...args) {
      events.push({ name, event: args[0], ...(now ? { atMs: now() } : {}) })
    },
    names: () => events.map((e) => e.name),
  }
}
