/**
 * Node ids: plain tokens, so they are safe in trace lines, file names and
 * addresses. A count of nodes names them n1..nN.
 */
import { ScenarioError } from './errors.ts'

/** Letters, digits and `_.:-`, starting with a letter or digit, at most 64 characters. */
export const NODE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/

/** Nodes in one simulation: the link table is n², and a bigger cluster is a different tool's job. */
export const NODES_MAX = 500

/** The node ids a `nodes` option names (a count gives n1..nN; default 3); throws `ScenarioError` on a bad one. */
export function nodeIdsOf(nodes: number | readonly string[] | undefined): string[] {
  if (nodes === undefined || typeof nodes === 'number') {
    const count = nodes ?? 3
    if (!Number.isInteger(count) || count < 1 || count > NODES_MAX) {
      throw new ScenarioError('nodes', `expected 1 to ${NODES_MAX} nodes, got ${count}`)
    }
    return Array.from({ length: count }, (_, i) => `n${i + 1}`)
  }
  if (!Array.isArray(nodes)) throw new ScenarioError('nodes', 'expected a count or an array of ids')
  if (nodes.length < 1 || nodes.length > NODES_MAX)
    throw new ScenarioError('nodes', `expected 1 to ${NODES_MAX} ids`)
  nodes.forEach((id, i) => {
    if (typeof id !== 'string' || !NODE_ID_PATTERN.test(id)) {
      throw new ScenarioError(
        `nodes[${i}]`,
        `${JSON.stringify(id)} is not a node id (letters, digits, _.:- ; ≤ 64)`,
      )
    }
  })
  if (new Set(nodes).size !== nodes.length) throw new ScenarioError('nodes', 'a node id is listed twice')
  return [...nodes]
}
