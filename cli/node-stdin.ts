/**
 * The `isthmus node` stdin protocol: one command a line, one JSON line back
 * (`{"ok":true,...}` or `{"ok":false,"error":...}`). Documents (write, read,
 * docs), the node (view, vv, metrics, status, id, stop) and its task board
 * (submit, tasks, task).
 */
import type * as Y from 'yjs'
import { BackendMismatchError } from '../src/errors.ts'
import type { AgentNode } from '../src/node/agent-node.ts'
import { nodeStatus } from './node-status.ts'

export const HELP_COMMANDS = [
  'write',
  'write-automerge',
  'read',
  'docs',
  'view',
  'vv',
  'metrics',
  'status',
  'submit',
  'tasks',
  'task',
  'id',
  'stop',
  'help',
]

/** The usage lines of the commands, for `isthmus node --help`. */
export const STDIN_USAGE = `  write DOC KEY VALUE            set KEY to VALUE (JSON if it parses, else text) in DOC: in its
                                 map "data" for Yjs, in its root map for Automerge; a new DOC is
                                 a Yjs document, an existing one keeps its backend
  write-automerge DOC KEY VALUE  the same, but a new DOC is an Automerge document
  read DOC                       {"value": DOC's plain JSON value, or null if this node has no DOC}
  docs                           {"docs": {name: value}} for every document held here
  view                           membership: who is alive, suspect or dead, partitioned, majority
  vv                             the node's version vector
  metrics                        the node's metrics (bytes, drops, sync rounds, phi, lag, work, ...)
  status                         what the status page shows, as JSON (the page reads /status.json)
  submit KIND [JSON]             submit a task of KIND with JSON as its payload: {"id"}
  tasks                          {"tasks": [{id, kind, status, owner, epoch}]}, one row per task
  task ID                        {"task": the task, with its result or error and its history}
  id                             {"id","addresses"}
  stop                           stop the node, as SIGTERM does
  help                           the command list`

/** The answer to one stdin line, or undefined for a blank line. */
export async function answer(
  node: AgentNode,
  line: string,
  stop: () => void,
): Promise<Record<string, unknown> | undefined> {
  const [command, ...words] = line.trim().split(/\s+/)
  if (command === undefined || command === '') return undefined
  try {
    switch (command) {
      case 'write':
      case 'write-automerge':
        return await write(node, line, command === 'write' ? 'yjs' : 'automerge')
      case 'read':
        return { ok: true, doc: words[0], value: documents(node)[words[0] ?? ''] ?? null }
      case 'docs':
        return { ok: true, docs: documents(node) }
      case 'view':
        return { ok: true, view: node.view() }
      case 'vv':
        return { ok: true, vv: node.versionVector() }
      case 'metrics':
        return { ok: true, metrics: node.metrics() }
      case 'status':
        return { ok: true, status: nodeStatus(node) }
      case 'submit':
        return await submit(node, line)
      case 'tasks':
        return { ok: true, tasks: taskRows(node) }
      case 'task':
        return task(node, words)
      case 'id':
        return { ok: true, id: node.id, addresses: node.addresses() }
      case 'stop':
        stop()
        return { ok: true, stopping: true }
      case 'help':
        return { ok: true, commands: HELP_COMMANDS }
      default:
        return { ok: false, error: `unknown command '${command}' (try: help)` }
    }
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) }
  }
}

/** `submit KIND [JSON]`: the payload is the rest of the line, strict JSON (absent: null). */
async function submit(node: AgentNode, line: string): Promise<Record<string, unknown>> {
  const match = /^\s*\S+\s+(\S+)(?:\s+(.*\S))?\s*$/.exec(line)
  if (!match) return { ok: false, error: 'usage: submit KIND [JSON]' }
  const [, kind = '', text] = match
  let payload: unknown = null
  if (text !== undefined) {
    try {
      payload = JSON.parse(text)
    } catch {
      return { ok: false, error: `submit: the payload is not JSON: ${text.slice(0, 80)}` }
    }
  }
  const id = await node.tasks.submit({ kind, payload })
  return { ok: true, id }
}

/** One row per task on this node's board, oldest submission first, then by id. */
function taskRows(node: AgentNode): Array<Record<string, unknown>> {
  return node.tasks
    .list()
    .map((t) => ({ id: t.id, kind: t.kind, status: t.status, owner: t.owner ?? null, epoch: t.epoch }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

function task(node: AgentNode, words: string[]): Record<string, unknown> {
  const [id] = words
  if (id === undefined || words.length > 1) return { ok: false, error: 'usage: task ID' }
  const found = node.tasks.get(id)
  if (found === undefined) return { ok: false, error: `no task ${id} on this node` }
  return { ok: true, task: found }
}

async function write(node: AgentNode, line: string, preferred: 'yjs' | 'automerge') {
  const match = /^\s*\S+\s+(\S+)\s+(\S+)\s+(.*\S)\s*$/.exec(line)
  if (!match) throw new Error('usage: write DOC KEY VALUE')
  const [, doc = '', key = '', text = ''] = match
  const value = parseValue(text)
  let handle = await node.doc(doc, { backend: preferred }).catch((error: unknown) => {
    if (error instanceof BackendMismatchError) return undefined
    throw error
  })
  handle ??= await node.doc(doc, { backend: preferred === 'yjs' ? 'automerge' : 'yjs' })
  if (handle.backend === 'yjs') {
    await handle.change((ydoc) => (ydoc as Y.Doc).getMap('data').set(key, value))
  } else {
    // Straight into the root map: a nested map created on two nodes at once would be two
    // conflicting objects under one key, and Automerge keeps only one of them.
    await handle.change((d) => {
      ;(d as Record<string, unknown>)[key] = value
    })
  }
  return { ok: true, doc, key, backend: handle.backend }
}

/** JSON when it parses (numbers, true, {"a":1}), otherwise the text itself. */
function parseValue(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** Every document's plain value, by name in sorted order (so two nodes' answers compare as text). */
function documents(node: AgentNode): Record<string, unknown> {
  const entries = node.documentValues().sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return Object.fromEntries(entries.map(([name, canonical]) => [name, JSON.parse(canonical)]))
}
