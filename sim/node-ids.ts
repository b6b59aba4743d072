/**
 * Node ids: plain tokens, so they are safe in trace lines, file names and
 * addresses. A count of nodes names them n1..nN.
 */
import { ScenarioError } from './errors.ts'

/** Letters, digits and `_.:-`, starting with a letter or digit, at most 64 characters. */
export const nodeIdPattern = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/

/** Nodes in one simulation: the link table is n², and a bigger cluster is a different tool's job. */
export const nodesMax = 500

/** The node ids a `nodes` option names (a count gives n1..nN; default 3); throws `ScenarioError` on a bad one. */
export function nodeIdsOf(nodes: number | readonly string[] | undefined): string[] {
  if (nodes === undefined || typeof nodes === 'number') {
    const count = nodes ?? 3
    if (!Number.isInteger(count) || count < 1 || count > nodesMax) {
      throw new ScenarioError('nodes', `expected 1 to ${nodesMax} nodes, got ${count}`)
    }
    return Array.from({ length: count }, (_, i) => `n${i + 1}`)
  }
  if (!Array.isArray(nodes)) throw new ScenarioError('nodes', 'expected a count or an array of ids')
  if (nodes.length < 1 || nodes.length > nodesMax)
    throw new ScenarioError('nodes', `expected 1 to ${nodesMax} ids`)
  nodes.forEach((id, i) => {
    if (typeof id !== 'string' || !nodeIdPattern.test(id)) {
      throw new ScenarioError(
        `nodes[${i}]`,
        `${JSON.stringify(id)} is not a node id (letters, digits, _.:- ; ≤ 64)`,
      )
    }
  })
  if (new Set(nodes).size !== nodes.length) throw new ScenarioError('nodes', 'a node id is listed twice')
  return [...nodes]
}
