import type { Worker } from 'node:worker_threads'
import { moduleWorker } from '../../util/module-worker.ts'
import type { Logger } from 'pino'
import type { Router } from '../../../streams/router.ts'
import type { Intent, StrategyInput } from '../../domain/intent.ts'
import { LatencyHistogram } from '../latency-histogram.ts'
import type { StrategyInstance } from '../strategy-instances.ts'
import { InputWriter, readIntents } from './input-codec.ts'
import type { FromWorker, ToWorker, WorkerInit } from './worker-messages.ts'

/** Where a worker's intents and failures go (the engine). */
export interface WorkerSink {
  /** An intent of `inst` caused by an input dispatched at `originAt` (engine clock). */
  deliverAt(inst: StrategyInstance, intent: Intent, originAt: number): void
  failInstance(inst: StrategyInstance, err: unknown): void
}

export interface PipelineWorkersOptions {
  readonly threads: number
  readonly instances: readonly StrategyInstance[]
  /** Symbols the inputs and intents are encoded with (the venue's). */
  readonly symbols: readonly string[]
  /** Strategy module files the workers load (absolute paths). */
  readonly modules: readonly string[]
  readonly sink: WorkerSink
  /** The engine's latency clock (ms) and the dispatch time of the input being routed now. */
  readonly clock: () => number
  readonly originAt: () => number
  /** Also records tick → intent latencies here (the engine's, beside main-thread pipelines'). */
  readonly latency?: LatencyHistogram
  readonly log?: Logger
}

/** One thread and its share of the pipelines. */
interface Thread {
  readonly index: number
  readonly worker: Worker
  readonly instances: StrategyInstance[]
  readonly writer: InputWriter
  /** Dispatch time of each input of the batch being written. */
  origins: number[]
  /** Batches posted and not answered: their inputs' dispatch times. */
  readonly inFlight: Map<number, number[]>
  flushQueued: boolean
  ready: boolean
  /** When it had built its pipelines (engine clock): inputs sent before waited for start-up, not for CPU. */
  readyAt: number
  dead: boolean
  stopping: boolean
}

/**
 * Strategy pipelines in worker threads (seed 002's macro layer). Each pipeline lives in exactly one
 * thread — partitioned by symbol (signal-only pipelines by group), least-loaded first — so a market
 * event goes to one thread at most once. Inputs routed to a thread are written into its batch and
 * posted at the end of the current task (one transferred buffer); the thread sends intents back as
 * soon as an input has led to some (one buffer each, the batch's last message marked final), and they
 * reach the actors with the dispatch time of the input behind each.
 * Actors, lanes, risk, execution and the store stay on the main thread.
 *
 * A thread that dies (an exception outside a pipeline, out of memory, terminated) is not restarted:
 * its pipelines' state (indicators, positions in their windows) died with it, and a fresh thread
 * would decide from a cold start. Its pipelines fail their actors with the reason; the others trade on.
 */
export class PipelineWorkers {
  private readonly threads: Thread[] = []
  private readonly symbolIndex: Map<string, number>
  private nextBatch = 0
  private settleWaiters: (() => void)[] = []
  private readyWaiters: (() => void)[] = []
  /** Input dispatched → its intent delivered, for this pool's pipelines. */
  readonly tickToIntent = new LatencyHistogram()
  readonly counts = { batches: 0, inputs: 0, intents: 0, failedPipelines: 0, busyMs: 0, deadThreads: 0, maxBehindMs: 0 }
  /** When a thread was last said to be behind (a warning every 10 s at most). */
  private warnedAt = Number.NEGATIVE_INFINITY

  constructor(private readonly o: PipelineWorkersOptions) {
    this.symbolIndex = new Map(o.symbols.map((s, i) => [s, i]))
    const n = Math.max(1, Math.min(o.threads, o.instances.length))
    const shares: StrategyInstance[][] = Array.from({ length: n }, () => [])
    // Partition keys, heaviest first onto the least-loaded thread.
    const byKey = new Map<string, StrategyInstance[]>()
    for (const inst of o.instances) {
      const key = inst.def.inputs.market ? `m:${inst.spec.symbol}` : `g:${inst.spec.group}`
      let list = byKey.get(key)
      if (list === undefined) byKey.set(key, (list = []))
      list.push(inst)
    }
    for (const list of [...byKey.values()].sort((a, b) => b.length - a.length)) {
      let least = 0
      for (let i = 1; i < n; i++) if (shares[i]!.length < shares[least]!.length) least = i
      shares[least]!.push(...list)
    }
    for (let i = 0; i < n; i++) {
      const instances = shares[i]!
      const init: WorkerInit = {
        index: i,
        modules: o.modules,
        symbols: o.symbols,
        pipelines: instances.map((inst) => ({ strategy: inst.def.name, params: inst.spec.params, symbol: inst.spec.symbol, group: inst.spec.group })),
      }
      const t: Thread = {
        index: i,
        worker: moduleWorker(import.meta.url, 'pipeline-worker', init),
        instances,
        writer: new InputWriter(this.symbolIndex),
        origins: [],
        inFlight: new Map(),
        flushQueued: false,
        ready: false,
        readyAt: Number.POSITIVE_INFINITY,
        dead: false,
        stopping: false,
      }
      t.worker.on('message', (m: FromWorker) => this.onMessage(t, m))
      t.worker.on('error', (err) => this.die(t, `pipeline worker ${i} crashed: ${err.message}`))
      t.worker.on('exit', (code) => this.die(t, t.stopping ? null : `pipeline worker ${i} exited (code ${code})`))
      this.threads.push(t)
    }
  }

  get threadCount(): number {
    return this.threads.length
  }

  /** Routes each thread's symbols and groups to it. */
  subscribe(signals: Router<number, StrategyInput>, market: Router<string, StrategyInput>): void {
    for (const t of this.threads) {
      const symbols = new Set<string>()
      const groups = new Set<number>()
      for (const inst of t.instances) {
        if (inst.def.inputs.market) symbols.add(inst.spec.symbol)
        if (inst.def.inputs.signals) groups.add(inst.spec.group)
      }
      const push = (e: StrategyInput) => this.push(t, e)
      for (const s of symbols) market.listen(s, push)
      for (const g of groups) signals.listen(g, push)
    }
  }

  /** Resolves once every thread has built its pipelines (or died). */
  ready(): Promise<void> {
    if (this.threads.every((t) => t.ready || t.dead)) return Promise.resolve()
    return new Promise((resolve) => this.readyWaiters.push(resolve))
  }

  /** Posts what is batched and resolves when every thread has answered everything posted (virtual-time replays wait on this). */
  settle(): Promise<void> {
    for (const t of this.threads) this.flush(t)
    if (this.idle()) return Promise.resolve()
    return new Promise((resolve) => this.settleWaiters.push(resolve))
  }

  /** Inputs posted or batched and not yet answered. */
  get pending(): number {
    let n = 0
    for (const t of this.threads) if (!t.dead) n += t.inFlight.size + t.writer.count
    return n
  }

  /** Answers what was sent (up to `timeoutMs`), then ends the threads. */
  async stop(timeoutMs = 10_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    await Promise.race([this.settle(), new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))])
    clearTimeout(timer)
    await Promise.all(
      this.threads.map(async (t) => {
        if (t.dead) return
        t.stopping = true
        const exited = new Promise<void>((r) => t.worker.once('exit', () => r()))
        t.worker.postMessage({ type: 'stop' } satisfies ToWorker)
        const timeout = setTimeout(() => void t.worker.terminate(), 2_000)
        await exited
        clearTimeout(timeout)
      }),
    )
  }

  /** Ends a thread abruptly, as a crash would (tests and operators). */
  terminate(index: number): Promise<number> {
    return this.threads[index]!.worker.terminate()
  }

  private push(t: Thread, e: StrategyInput): void {
    if (t.dead || t.stopping) return
    t.writer.write(e)
    t.origins.push(this.o.originAt())
    if (!t.flushQueued) {
      t.flushQueued = true
      // Everything routed in this task goes in one message.
      queueMicrotask(() => this.flush(t))
    }
  }

  private flush(t: Thread): void {
    t.flushQueued = false
    if (t.writer.count === 0 || t.dead) return
    const inputs = t.writer.count
    const { buf, n, strings } = t.writer.take()
    const id = ++this.nextBatch
    t.inFlight.set(id, t.origins)
    t.origins = []
    this.counts.batches++
    this.counts.inputs += inputs
    t.worker.postMessage({ type: 'batch', id, buf, n, strings } satisfies ToWorker, [buf.buffer as ArrayBuffer])
  }

  private onMessage(t: Thread, m: FromWorker): void {
    if (m.type === 'ready') {
      t.ready = true
      t.readyAt = this.o.clock()
      this.failPipelines(t, m.failed)
      if (this.threads.every((x) => x.ready || x.dead)) this.wake('ready')
      return
    }
    if (m.type !== 'intents') return
    const origins = t.inFlight.get(m.id)
    if (m.final) t.inFlight.delete(m.id)
    this.counts.busyMs += m.busyMs
    if (origins !== undefined) {
      const now = this.o.clock()
      const newest = origins[origins.length - 1]
      if (m.final && newest !== undefined && newest >= t.readyAt) this.behind(t, now - newest)
      const sink = this.o.sink
      const shared = this.o.latency
      readIntents(m.buf, m.n, m.strings, this.o.symbols, (p, entry, intent) => {
        const inst = t.instances[p]
        if (inst === undefined) return
        const at = origins[entry] ?? now
        this.counts.intents++
        this.tickToIntent.record(now - at)
        shared?.record(now - at)
        sink.deliverAt(inst, intent, at)
      })
    }
    this.failPipelines(t, m.failed)
    if (this.idle()) this.wake('settle')
  }

  /**
   * How late a thread answered the newest input of a batch. A thread that stays behind has more to
   * compute than it can (its queue grows without bound): say so, with what to do.
   */
  private behind(t: Thread, ms: number): void {
    if (ms > this.counts.maxBehindMs) this.counts.maxBehindMs = ms
    const now = this.o.clock()
    if (ms < 1_000 || now - this.warnedAt < 10_000) return
    this.warnedAt = now
    this.o.log?.warn(
      { thread: t.index, behindMs: Math.round(ms), pipelines: t.instances.length },
      'a pipeline worker is behind its inputs: its strategies need more CPU than one thread has (add workers, share fits, or lighten them)',
    )
  }

  private failPipelines(t: Thread, failed: readonly (readonly [number, string])[]): void {
    for (const [p, reason] of failed) {
      const inst = t.instances[p]
      if (inst === undefined) continue
      this.counts.failedPipelines++
      this.o.sink.failInstance(inst, new Error(`${reason} (pipeline worker ${t.index})`))
    }
  }

  /** A thread ended: unless we stopped it, its pipelines' actors fail with why. */
  private die(t: Thread, reason: string | null): void {
    if (t.dead) return
    t.dead = true
    t.inFlight.clear()
    t.origins = []
    if (reason !== null) {
      this.counts.deadThreads++
      this.o.log?.error({ thread: t.index, pipelines: t.instances.length }, reason)
      for (const inst of t.instances) {
        this.counts.failedPipelines++
        this.o.sink.failInstance(inst, new Error(reason))
      }
    }
    if (this.threads.every((x) => x.ready || x.dead)) this.wake('ready')
    if (this.idle()) this.wake('settle')
  }

  private idle(): boolean {
    return this.threads.every((t) => t.dead || (t.inFlight.size === 0 && t.writer.count === 0))
  }

  private wake(which: 'ready' | 'settle'): void {
    const list = which === 'ready' ? this.readyWaiters : this.settleWaiters
    if (which === 'ready') this.readyWaiters = []
    else this.settleWaiters = []
    for (const f of list) f()
  }

  summary(): {
    threads: number
    pipelines: number
    batches: number
    inputs: number
    intents: number
    failedPipelines: number
    deadThreads: number
    busyMs: number
    /** The latest a thread answered the newest input of a batch (a backlog when large). */
    maxBehindMs: number
    tickToIntentMs: { p50: number; p99: number; max: number }
  } {
    const l = this.tickToIntent.summary()
    return {
      threads: this.threads.length,
      pipelines: this.o.instances.length,
      batches: this.counts.batches,
      inputs: this.counts.inputs,
      intents: this.counts.intents,
      failedPipelines: this.counts.failedPipelines,
      deadThreads: this.counts.deadThreads,
      busyMs: Math.round(this.counts.busyMs),
      maxBehindMs: Math.round(this.counts.maxBehindMs),
      tickToIntentMs: { p50: round3(l.p50), p99: round3(l.p99), max: round3(l.max) },
    }
  }
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000
