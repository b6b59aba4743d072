import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64'
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus'
import { FNV1A_OFFSET_BASIS, fnv1aText } from './fnv1a.ts'
import type { Random } from './types.ts'

/** FNV-1a over a string, folded into a 32-bit seed together with `seed`. */
export function deriveSeed(seed: number, label: string): number {
  let h = fnv1aText(label, (FNV1A_OFFSET_BASIS ^ seed) >>> 0)
  // A final avalanche (murmur3 fmix32) so that close labels give far seeds.
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b) >>> 0
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35) >>> 0
  h ^= h >>> 16
  return h | 0
}

/**
 * A deterministic Random on pure-rand's xoroshiro128+. The same seed gives the
 * same stream in any process, on any platform.
 */
export function seededRandom(seed: number): Random {
  const rng = xoroshiro128plus(seed | 0)
  const random: Random = {
    next: () => uniformFloat64(rng),
    bytes(n) {
      const out = new Uint8Array(n)
      for (let i = 0; i < n; i += 4) {
        const word = rng.next() >>> 0
        for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (word >>> (8 * j)) & 0xff
      }
      return out
    },
    fork: (label) => seededRandom(deriveSeed(seed, label)),
  }
  return random
}
