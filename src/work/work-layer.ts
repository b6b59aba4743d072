/**
 * The work layer of one node: the board document, `node.tasks` and the
 * runner, stopped with the node. The node hands in only what this layer uses
 * (a way to open the board document, its view, its events), as js-libp2p's
 * components do.
 *
 * The board opens when there is work: at start if this node has handlers or
 * already stores a board, on the first submit/result/cancel, or when board
 * content first arrives from a peer. A node that never touches tasks holds
 * no board document (its document list and checkers stay as they were).
 */

import type { Registry } from 'prom-client'
import type * as Y from 'yjs'
import type { DocHandle } from '../docs/doc-handle.ts'
import type { Env } from '../env/types.ts'
import { NodeStoppedError } from '../errors.ts'
import type { ClusterView } from '../membership/membership.ts'
import type { QuorumView } from '../membership/quorum.ts'
import type { DegradationSink } from './kind-guards.ts'
import { Runner } from './runner.ts'
import { TaskBoard } from './task-board.ts'
import { infoOf, Tasks } from './tasks.ts'
import type { TaskInfo, TaskNode, WorkOptions } from './types.ts'
import { registerWorkMetrics, type WorkMetricsSnapshot } from './work-metrics.ts'

export interface WorkLayerInit {
  env: Env
  self: string
  /** Opens the board document (BOARD_DOC, Yjs) through the node's registry. */
  openBoard: () => Promise<DocHandle<Y.Doc>>
  /** Whether the store holds a board already (loaded with the other documents). */
  boardStored: boolean
  /** Subscribes to changes of the board document, also before it is open here (content from a peer). */
  onBoardChange: (listener: () => void) => () => void
  options: WorkOptions
  node: TaskNode
  view: () => ClusterView
  /** The membership's votes: who hears this node, whom a majority lost (leases and claims under `majority`). */
  quorum?: () => QuorumView
  /** The node's `task` event. */
  emitTask: (task: TaskInfo) => void
  /** Subscribes to the node's membership events (member, partition, heal); returns the unsubscribers. */
  onViewChange: (listener: () => void) => Array<() => void>
  /** How often the runner looks again without a trigger (the node's heartbeat). */
  tickMs: number
  /** The node's degradation holder: breakers per kind feed it (absent: not reported). */
  degradation?: DegradationSink
  /** The node's metrics registry: the work metrics register there (absent: no Prometheus metrics). */
  registry?: Registry
}

export class WorkLayer {
  readonly tasks: Tasks
  readonly #init: WorkLayerInit
  readonly #unsubscribe: Array<() => void> = []
  #board: TaskBoard | undefined
  #runner: Runner | undefined
  #opening: Promise<TaskBoard> | undefined
  #started = false
  #stopped = false

  constructor(init: WorkLayerInit) {
    this.#init = init
    this.tasks = new Tasks({
      board: () => this.#board,
      open: () => this.open(),
      env: init.env,
      self: init.self,
    })
    const offBoard = init.onBoardChange(() => {
      offBoard()
      this.open().catch((error: unknown) => {
        init.env.log.log('error', 'task board did not open', { error: String(error) })
      })
    })
    this.#unsubscribe.push(offBoard)
    if (init.registry !== undefined) registerWorkMetrics(init.registry, () => this.#runner?.metrics())
  }

  /** The work layer's numbers (node.metrics().work); before the board opens, none. */
  metrics(): WorkMetricsSnapshot | undefined {
    return this.#runner?.metrics()
  }

  /** Opens the board now if there is work for it (handlers here, or a stored board); else on first use. */
  async openIfNeeded(): Promise<void> {
    if (this.#init.boardStored || Object.keys(this.#init.options.handlers).length > 0) await this.open()
  }

  /** The board, opening it once (see the file header for when). */
  open(): Promise<TaskBoard> {
    if (this.#stopped) return Promise.reject(new NodeStoppedError('the node stopped'))
    this.#opening ??= this.#init.openBoard().then((handle) => this.#opened(handle))
    return this.#opening
  }

  /** The runner, once the board is open (for tests and metrics). */
  get runner(): Runner | undefined {
    return this.#runner
  }

  #opened(handle: DocHandle<Y.Doc>): TaskBoard {
    if (this.#stopped) throw new NodeStoppedError('the node stopped')
    const init = this.#init
    const board = new TaskBoard(handle, init.env.log, () => init.env.clock.now())
    this.#board = board
    this.#runner = new Runner({
      env: init.env,
      self: init.self,
      board,
      options: init.options,
      node: init.node,
      view: init.view,
      ...(init.quorum === undefined ? {} : { quorum: init.quorum }),
      tickMs: init.tickMs,
      ...(init.degradation === undefined ? {} : { degradation: init.degradation }),
    })
    this.#unsubscribe.push(board.subscribe((state) => init.emitTask(infoOf(state))))
    // A microtask later: membership emits from inside its own update, before its view is whole.
    this.#unsubscribe.push(...init.onViewChange(() => queueMicrotask(() => this.#runner?.scan())))
    if (this.#started) this.#runner.start()
    return board
  }

  /** For the node's pendingWork(): runs in progress and claims being written here (none before the board opens). */
  pendingWork(): string[] {
    return this.#runner?.pendingWork() ?? []
  }

  /** Starts running tasks once the node runs (the runner reads its view). */
  start(): void {
    this.#started = true
    this.#runner?.start()
  }

  stop(): void {
    this.#stopped = true
    this.#runner?.stop()
    this.tasks.stop()
    for (const off of this.#unsubscribe.splice(0)) off()
    this.#board?.stop()
  }
}
