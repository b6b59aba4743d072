import { describe, expect, it } from 'vitest'
import { formatTraceLine, Trace, type TraceRecord } from '../../sim/trace.ts'

const records: TraceRecord[] = [
  { t: 0, k: 'node', node: 'n1', what: 'start' },
  { t: 12.5, k: 'send', from: 'n1', to: 'n2', msg: 17, bytes: 24 },
  { t: 20.25, k: 'deliver', from: 'n1', to: 'n2', msg: 17, bytes: 24 },
  { t: 21, k: 'drop', from: 'n2', to: 'n1', msg: 18, why: 'cut' },
  { t: 250, k: 'timer', node: 'n3' },
  { t: 1000, k: 'fault', fault: 'partition', args: [[['n1'], ['n2', 'n3']]] },
]

describe('trace', () => {
  it('formats each record as one JSON line, hot kinds by hand exactly as JSON.stringify would', () => {
    for (const r of records) expect(formatTraceLine(r)).toBe(JSON.stringify(r))
    expect(formatTraceLine(records[2] as TraceRecord)).toBe(
      '{"t":20.25,"k":"deliver","from":"n1","to":"n2","msg":17,"bytes":24}',
    )
  })

  it('hashes the lines incrementally: same lines, same hash; any change, another hash; mid-run reads do not disturb it', () => {
    const hashOf = (rs: TraceRecord[], peek = false) => {
      const trace = new Trace()
      for (const r of rs) {
        trace.record(r)
        if (peek) trace.hash()
      }
      return trace.hash()
    }
    expect(hashOf(records)).toMatch(/^[0-9a-f]{16}$/)
    expect(hashOf(records)).toBe(hashOf(records, true))
    expect(hashOf(records.slice(1))).not.toBe(hashOf(records))
    expect(hashOf([...records.slice(0, 4), { t: 250, k: 'timer', node: 'n2' }])).not.toBe(
      hashOf(records.slice(0, 5)),
    )
  })

  it('streams lines to a sink, counts kinds, and skips timer lines when told to', () => {
    const lines: string[] = []
    const trace = new Trace({ sink: (l) => lines.push(l), timers: false })
    for (const r of records) trace.record(r)
    expect(lines).toHaveLength(records.length)
    expect(trace.count('deliver')).toBe(1)
    expect(trace.timers).toBe(false)
  })
})
