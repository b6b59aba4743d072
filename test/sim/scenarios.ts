/**
 * The named fault plans the counter protocol is checked under (the CLI's
 * scenario names). Each is over nodes n1..n5 and a 6 s safety phase.
 */
import type { FaultStep } from '../../sim/index.ts'

export const SCENARIO_DURATION_MS = 6000

export const namedPlans: Record<string, FaultStep[]> = {
  'partition-heal': [
    {
      atMs: 1000,
      fault: 'partition',
      args: [
        [
          ['n1', 'n2'],
          ['n3', 'n4', 'n5'],
        ],
      ],
    },
    { atMs: 4000, fault: 'heal', args: [] },
  ],
  'flapping-partition': [0, 1, 2, 3, 4].flatMap((i) => [
    { atMs: 1000 + i * 800, fault: 'isolate', args: [`n${i + 1}`] } as FaultStep,
    { atMs: 1400 + i * 800, fault: 'heal', args: [] } as FaultStep,
  ]),
  'crash-restart': [
    { atMs: 1000, fault: 'crash', args: ['n2'] },
    { atMs: 2000, fault: 'crash', args: ['n4', { lose: 'unsynced' }] },
    { atMs: 3000, fault: 'restart', args: ['n2'] },
    { atMs: 4500, fault: 'restart', args: ['n4'] },
  ],
  'majorities-ring': [
    { atMs: 1000, fault: 'majoritiesRing', args: [] },
    { atMs: 4500, fault: 'heal', args: [] },
  ],
  bridge: [
    { atMs: 1000, fault: 'bridge', args: [] },
    { atMs: 4500, fault: 'heal', args: [] },
  ],
  'one-way': [
    { atMs: 1000, fault: 'oneWay', args: ['n1', 'n2'] },
    { atMs: 1500, fault: 'oneWay', args: ['n3', 'n1'] },
    { atMs: 2000, fault: 'oneWay', args: ['n5', 'n4'] },
    { atMs: 4500, fault: 'heal', args: [] },
  ],
  swizzle: [{ atMs: 1000, fault: 'swizzle', args: [{ stepMs: 150 }] }],
  'clock-skew': [
    { atMs: 0, fault: 'skew', args: ['n1', 700] },
    { atMs: 0, fault: 'skew', args: ['n2', -900] },
    { atMs: 500, fault: 'drift', args: ['n3', 1.08] },
    { atMs: 500, fault: 'drift', args: ['n4', 0.92] },
    { atMs: 1000, fault: 'pause', args: ['n5', 1500] },
    { atMs: 2000, fault: 'isolate', args: ['n1'] },
    { atMs: 4000, fault: 'heal', args: [] },
  ],
}
