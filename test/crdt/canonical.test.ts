import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canonicalJson } from '../../crdt/canonical.ts'
import { propertyOptions } from './property-options.ts'

const FILE = 'test/crdt/canonical.test.ts'

/** The same value with every object's keys inserted in reverse order. */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys)
  if (typeof value !== 'object' || value === null) return value
  const entries = Object.entries(value).reverse()
  return Object.fromEntries(entries.map(([key, member]) => [key, reversedKeys(member)]))
}

describe('canonicalJson', () => {
  it('does not depend on key insertion order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(reversedKeys(value))).toBe(canonicalJson(value))
      }),
      propertyOptions(FILE),
    )
  })

  it('parses back to what JSON.stringify gives, and is a fixed point', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const canonical = canonicalJson(value)
        const roundTrip = JSON.parse(JSON.stringify(value))
        expect(JSON.parse(canonical)).toEqual(roundTrip)
        expect(canonicalJson(roundTrip)).toBe(canonical)
        expect(canonicalJson(JSON.parse(canonical))).toBe(canonical)
      }),
      propertyOptions(FILE),
    )
  })

  it('sorts keys by UTF-16 code units at every depth, without whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    )
    // Integer-like keys: JS objects enumerate them numerically first; canonical order is by code unit.
    expect(canonicalJson({ 9: 'x', 10: 'y', a: 'z' })).toBe('{"10":"y","9":"x","a":"z"}')
    expect(canonicalJson({ é: 1, z: 2, Z: 3 })).toBe('{"Z":3,"z":2,"é":1}')
  })

  it('follows JSON.stringify on the odd cases', () => {
    expect(canonicalJson({ a: undefined, b: () => 1, c: [undefined, Number.NaN, -0, Infinity] })).toBe(
      '{"c":[null,null,0,null]}',
    )
    expect(canonicalJson(new Date(0))).toBe('"1970-01-01T00:00:00.000Z"')
    expect(canonicalJson({ d: new Date(0) })).toBe('{"d":"1970-01-01T00:00:00.000Z"}')
    expect(canonicalJson(JSON.parse('{"__proto__":1}'))).toBe('{"__proto__":1}')
    expect(canonicalJson([new Number(1), new String('s'), new Boolean(false)])).toBe('[1,"s",false]')
    expect(canonicalJson('a"\n')).toBe(JSON.stringify('a"\n'))
  })

  it('refuses what has no JSON form', () => {
    expect(() => canonicalJson(undefined)).toThrow(TypeError)
    expect(() => canonicalJson(1n)).toThrow(TypeError)
    const cycle: Record<string, unknown> = {}
    cycle.self = cycle
    expect(() => canonicalJson(cycle)).toThrow(TypeError)
  })
})
