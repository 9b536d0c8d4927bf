import { merge, type Observable } from 'rxjs'
import { parentPort, workerData } from 'node:worker_threads'
import { LightSubscriber } from '../../../streams/light-subscriber.ts'
import { onTape } from '../../../streams/operators/shared-series.ts'
import { Router } from '../../../streams/router.ts'
import { getStrategy, instantiate } from '../../../streams/strategies/registry.ts'
import { loadStrategyModules } from '../../config/strategy-modules.ts'
import type { Intent, StrategyInput } from '../../domain/intent.ts'
import { IntentWriter, readInputs } from './input-codec.ts'
import type { FromWorker, ToWorker, WorkerInit } from './worker-messages.ts'

/**
 * A worker thread's side: the same strategy code as the main thread (built-ins and the same user
 * modules), its pipelines fed from batches of inputs, their intents sent back as soon as an input
 * has led to some. A pipeline that throws fails alone and is reported; the thread goes on.
 */
const init = workerData as WorkerInit
const port = parentPort!
const post = (m: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer)
const symbolIndex = new Map(init.symbols.map((s, i) => [s, i]))
const signals = new Router<number, StrategyInput>()
const market = new Router<string, StrategyInput>()
const out = new IntentWriter(symbolIndex)
let failed: [number, string][] = []
/** The input being dispatched: the intents it leads to name it. */
let entry = 0

const reasonOf = (err: unknown): string => (err instanceof Error ? err.message : String(err))

class PipelineEnd extends LightSubscriber<Intent> {
  constructor(private readonly index: number) {
    super()
  }

  protected override _next(intent: Intent): void {
    out.write(this.index, entry, intent)
  }

  protected override _error(err: unknown): void {
    this.unsubscribe()
    failed.push([this.index, reasonOf(err)])
  }
}

await loadStrategyModules(init.modules, '/', 'modules')
const subs = init.pipelines.map((p, i) => {
  try {
    const def = getStrategy(p.strategy)
    const sources: Observable<StrategyInput>[] = []
    if (def.inputs.signals) sources.push(signals.select(p.group))
    if (def.inputs.market) sources.push(market.select(p.symbol))
    const input$ = sources.length === 1 ? sources[0]! : merge(...sources)
    return input$.pipe(instantiate(def, p.params, p.symbol)).subscribe(new PipelineEnd(i))
  } catch (err) {
    failed.push([i, reasonOf(err)])
    return null
  }
})
post({ type: 'ready', failed })
failed = []

/** This thread's tape: readings and indicators shared by its pipelines (see shared-series.ts). */
const tape = {}
let current: StrategyInput | null = null
const dispatch = (): void => {
  const e = current!
  if (e.kind === 'signal') signals.dispatch(e.group, e)
  else market.dispatch(e.symbol, e)
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'stop') {
    for (const s of subs) s?.unsubscribe()
    signals.dispose()
    market.dispose()
    post({ type: 'stopped' })
    port.close()
    return
  }
  let t0 = performance.now()
  const send = (final: boolean) => {
    const r = out.take()
    const t1 = performance.now()
    post({ type: 'intents', id: m.id, buf: r.buf, n: r.n, strings: r.strings, failed, busyMs: t1 - t0, final }, [r.buf.buffer as ArrayBuffer])
    t0 = t1
    failed = []
  }
  readInputs(m.buf, m.n, m.strings, init.symbols, (input, i) => {
    entry = i
    current = input
    onTape(tape, dispatch)
    // Intents go back as soon as an input has led to some: a symbol's decision does not wait for the rest of the batch.
    if (out.n > 0 || failed.length > 0) send(false)
  })
  send(true)
})
