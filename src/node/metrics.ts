/**
 * A node's counters, as a plain object (`node.metrics()`) and as Prometheus
 * text (`node.metricsText()`).
 */
import type { ClusterView } from '../membership/membership.ts'

export class NodeMetrics {
  bytesIn = 0
  bytesOut = 0
  framesIn = 0
  framesOut = 0
  suspicions = 0
  readonly framesDropped: Record<string, number> = {}
  readonly counters: Record<string, number> = {}

  received(bytes: number): void {
    this.framesIn++
    this.bytesIn += bytes
  }

  sent(bytes: number): void {
    this.framesOut++
    this.bytesOut += bytes
  }

  dropped(reason: string): void {
    this.framesDropped[reason] = (this.framesDropped[reason] ?? 0) + 1
  }

  count(name: string, value: number): void {
    this.counters[name] = (this.counters[name] ?? 0) + value
  }

  snapshot(extra: { docs: number; view: ClusterView | undefined }): Record<string, unknown> {
    return {
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      framesIn: this.framesIn,
      framesOut: this.framesOut,
      framesDropped: { ...this.framesDropped },
      suspicions: this.suspicions,
      syncRounds: this.counters.syncRounds ?? 0,
      resyncs: this.counters.resyncs ?? 0,
      docs: extra.docs,
      phi: Object.fromEntries((extra.view?.members ?? []).map((m) => [m.id, m.phi])),
    }
  }

  prometheus(node: string): string {
    const label = `node="${node.replace(/["\\\n]/g, '_')}"`
    const lines = [
      ['isthmus_bytes_in_total', this.bytesIn],
      ['isthmus_bytes_out_total', this.bytesOut],
      ['isthmus_frames_in_total', this.framesIn],
      ['isthmus_frames_out_total', this.framesOut],
      ['isthmus_suspicions_total', this.suspicions],
      ['isthmus_sync_rounds_total', this.counters.syncRounds ?? 0],
      ['isthmus_resyncs_total', this.counters.resyncs ?? 0],
    ].map(([name, value]) => `# TYPE ${name} counter\n${name}{${label}} ${value}`)
    for (const [reason, n] of Object.entries(this.framesDropped)) {
      lines.push(`isthmus_frames_dropped_total{${label},reason="${reason}"} ${n}`)
    }
    return `${lines.join('\n')}\n`
  }
}
