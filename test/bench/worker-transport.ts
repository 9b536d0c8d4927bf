import { Worker } from 'node:worker_threads'
import type { StrategyInput } from '../../src/domain/intent.ts'
import { InputWriter, readInputs } from '../../src/engine/workers/input-codec.ts'
import { emit, percentile, round } from './util.ts'

/**
 * How a batch of inputs crosses to a worker thread: structured clone of the event objects vs the
 * codec's Float64Array, transferred. One batch = what the simulator's tick routes for 20 symbols
 * (a quote, a 5-level book and 4 trades each: 120 events). Measured: the main thread's cost to send a
 * batch (encode + postMessage, where the engine's event loop pays) and the round trip until the
 * worker has the objects back (decoded) and acknowledges.
 */
const BATCHES = 2_000
const symbols = Array.from({ length: 20 }, (_, i) => `S${i}/USDT`)
const index = new Map(symbols.map((s, i) => [s, i]))
let id = 1_000_000
const batch: StrategyInput[] = []
for (const s of symbols) {
  batch.push({ kind: 'quote', symbol: s, bid: 99.9, ask: 100.1, bidSize: 3, askSize: 4, ts: 1_700_000_000_000 })
  batch.push({
    kind: 'book',
    symbol: s,
    ts: 1_700_000_000_000,
    bids: [1, 2, 3, 4, 5].map((k) => [100 - k * 0.1, k] as [number, number]),
    asks: [1, 2, 3, 4, 5].map((k) => [100 + k * 0.1, k] as [number, number]),
  })
  for (let k = 0; k < 4; k++) batch.push({ kind: 'trade', symbol: s, id: String(id++), price: 100 + k * 0.01, amount: 0.5, side: k % 2 ? 'buy' : 'sell', ts: 1_700_000_000_000 + k })
}

const workerSource = `
const { parentPort, workerData } = require('node:worker_threads')
parentPort.on('message', (m) => {
  let n = 0
  if (m.objects) n = m.objects.length
  else {
    // Walk the numbers as the decoder does (the objects themselves are built by readInputs in the engine).
    const b = m.buf; let i = 0
    while (i < m.n) { const k = b[i]; n++; i += k === 0 ? 7 : k === 1 ? 7 : k === 2 ? 9 : k === 4 ? 5 : 5 + 2 * (b[i + 3] + b[i + 4]) }
  }
  parentPort.postMessage(n)
})`
const worker = new Worker(workerSource, { eval: true })

async function measure(kind: 'clone' | 'transfer') {
  const send: number[] = []
  const trip: number[] = []
  for (let b = 0; b < BATCHES; b++) {
    const t0 = performance.now()
    if (kind === 'clone') worker.postMessage({ objects: batch })
    else {
      const w = new InputWriter(index)
      for (const e of batch) w.write(e)
      const { buf, n, strings } = w.take()
      worker.postMessage({ buf, n, strings }, [buf.buffer as ArrayBuffer])
    }
    const t1 = performance.now()
    await new Promise((r) => worker.once('message', r))
    trip.push(performance.now() - t0)
    send.push(t1 - t0)
  }
  return {
    sendUs: { p50: round(percentile(send, 50) * 1000, 1), p99: round(percentile(send, 99) * 1000, 1) },
    roundTripUs: { p50: round(percentile(trip, 50) * 1000, 1), p99: round(percentile(trip, 99) * 1000, 1) },
  }
}

// Decoding on the worker side, measured here on the main thread (same code): numbers back to objects.
function decodeUs(): number {
  const w = new InputWriter(index)
  for (const e of batch) w.write(e)
  const { buf, n, strings } = w.take()
  const t0 = performance.now()
  for (let k = 0; k < 1_000; k++) readInputs(buf, n, strings, symbols, () => {})
  return round(((performance.now() - t0) / 1_000) * 1000, 1)
}

await measure('clone')
await measure('transfer')
const clone = await measure('clone')
const transfer = await measure('transfer')
emit({ scenario: 'worker-transport', eventsPerBatch: batch.length, batches: BATCHES, clone, transfer, decodeUs: decodeUs(), sendRatio: round(clone.sendUs.p50 / transfer.sendUs.p50, 2) })
await worker.terminate()
process.exit(0)
