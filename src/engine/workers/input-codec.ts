import type { Intent, StrategyInput } from '../../domain/intent.ts'
import type { MarketEvent } from '../../domain/market.ts'
import type { SignalValue } from '../../domain/signal.ts'

/**
 * Inputs and intents as flat numbers, for batches that cross between threads as one transferred
 * ArrayBuffer (no structured clone of thousands of small objects: test/bench/worker-transport.ts
 * measures both). Symbols are indexes into a table both sides agree on at start; strings that are
 * not in it (a trade id that is not a plain integer, an intent for an unknown symbol) ride along in
 * a side list.
 */
const TRADE = 0
const QUOTE = 1
const BAR = 2
const BOOK = 3
const SIGNAL = 4

/** An integer id that survives the round trip through a double exactly (no leading zeros, ≤ 15 digits). */
const PLAIN_ID = /^(0|[1-9]\d{0,14})$/

/** A growing Float64Array; `take()` hands over what was written and starts afresh (the old buffer is transferred away). */
class NumberWriter {
  buf: Float64Array
  n = 0
  strings: string[] = []

  constructor(private readonly initial: number) {
    this.buf = new Float64Array(initial)
  }

  room(k: number): void {
    if (this.n + k <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.n + k) size *= 2
    const next = new Float64Array(size)
    next.set(this.buf.subarray(0, this.n))
    this.buf = next
  }

  string(s: string): number {
    this.strings.push(s)
    return -this.strings.length
  }

  take(): { buf: Float64Array; n: number; strings: string[] } {
    const out = { buf: this.buf, n: this.n, strings: this.strings }
    this.buf = new Float64Array(this.initial)
    this.n = 0
    this.strings = []
    return out
  }
}

/** Main → worker: the inputs of one batch, each numbered by its place in the batch. */
export class InputWriter extends NumberWriter {
  count = 0

  constructor(private readonly symbolIndex: ReadonlyMap<string, number>) {
    super(1024)
  }

  private sym(s: string): number {
    return this.symbolIndex.get(s) ?? this.string(s)
  }

  write(e: StrategyInput): void {
    this.count++
    if (e.kind === 'signal') {
      this.room(5)
      const b = this.buf
      b[this.n++] = SIGNAL
      b[this.n++] = e.group
      b[this.n++] = e.ts
      b[this.n++] = e.value
      b[this.n++] = e.round
      return
    }
    this.market(e)
  }

  private market(e: MarketEvent): void {
    const sym = this.sym(e.symbol)
    if (e.kind === 'trade') {
      this.room(7)
      const id = PLAIN_ID.test(e.id) ? Number(e.id) : this.string(e.id)
      const b = this.buf
      b[this.n++] = TRADE
      b[this.n++] = sym
      b[this.n++] = e.ts
      b[this.n++] = e.price
      b[this.n++] = e.amount
      b[this.n++] = e.side === 'buy' ? 0 : 1
      b[this.n++] = id
    } else if (e.kind === 'quote') {
      this.room(7)
      const b = this.buf
      b[this.n++] = QUOTE
      b[this.n++] = sym
      b[this.n++] = e.ts
      b[this.n++] = e.bid
      b[this.n++] = e.ask
      b[this.n++] = e.bidSize
      b[this.n++] = e.askSize
    } else if (e.kind === 'bar') {
      this.room(9)
      const b = this.buf
      b[this.n++] = BAR
      b[this.n++] = sym
      b[this.n++] = e.ts
      b[this.n++] = e.openTs
      b[this.n++] = e.open
      b[this.n++] = e.high
      b[this.n++] = e.low
      b[this.n++] = e.close
      b[this.n++] = e.volume
    } else {
      this.room(5 + 2 * (e.bids.length + e.asks.length))
      const b = this.buf
      b[this.n++] = BOOK
      b[this.n++] = sym
      b[this.n++] = e.ts
      b[this.n++] = e.bids.length
      b[this.n++] = e.asks.length
      for (const [p, s] of e.bids) (b[this.n++] = p), (b[this.n++] = s)
      for (const [p, s] of e.asks) (b[this.n++] = p), (b[this.n++] = s)
    }
  }

  override take(): { buf: Float64Array; n: number; strings: string[] } {
    this.count = 0
    return super.take()
  }
}

const nameOf = (code: number, symbols: readonly string[], strings: readonly string[]): string => (code < 0 ? strings[-code - 1]! : symbols[code]!)

/** Worker side: calls `f` with every input of a batch, in order, rebuilt as the objects strategies see. */
export function readInputs(buf: Float64Array, n: number, strings: readonly string[], symbols: readonly string[], f: (input: StrategyInput, entry: number) => void): void {
  let i = 0
  let entry = 0
  while (i < n) {
    const kind = buf[i]!
    if (kind === SIGNAL) {
      f({ kind: 'signal', group: buf[i + 1]!, ts: buf[i + 2]!, value: buf[i + 3]! as SignalValue, round: buf[i + 4]! }, entry++)
      i += 5
      continue
    }
    const symbol = nameOf(buf[i + 1]!, symbols, strings)
    const ts = buf[i + 2]!
    if (kind === TRADE) {
      const id = buf[i + 6]!
      f({ kind: 'trade', symbol, ts, price: buf[i + 3]!, amount: buf[i + 4]!, side: buf[i + 5] === 0 ? 'buy' : 'sell', id: id < 0 ? strings[-id - 1]! : String(id) }, entry++)
      i += 7
    } else if (kind === QUOTE) {
      f({ kind: 'quote', symbol, ts, bid: buf[i + 3]!, ask: buf[i + 4]!, bidSize: buf[i + 5]!, askSize: buf[i + 6]! }, entry++)
      i += 7
    } else if (kind === BAR) {
      f({ kind: 'bar', symbol, ts, openTs: buf[i + 3]!, open: buf[i + 4]!, high: buf[i + 5]!, low: buf[i + 6]!, close: buf[i + 7]!, volume: buf[i + 8]! }, entry++)
      i += 9
    } else if (kind === BOOK) {
      const nb = buf[i + 3]!
      const na = buf[i + 4]!
      i += 5
      const bids: [number, number][] = []
      const asks: [number, number][] = []
      for (let k = 0; k < nb; k++, i += 2) bids.push([buf[i]!, buf[i + 1]!])
      for (let k = 0; k < na; k++, i += 2) asks.push([buf[i]!, buf[i + 1]!])
      f({ kind: 'book', symbol, ts, bids, asks }, entry++)
    } else throw new Error(`input batch: unknown record kind ${kind} at ${i}`)
  }
}

const INTENT_WIDTH = 9

/** Worker → main: intents, each with its pipeline (index in the worker's list) and the input that led to it. */
export class IntentWriter extends NumberWriter {
  constructor(private readonly symbolIndex: ReadonlyMap<string, number>) {
    super(256)
  }

  write(pipeline: number, entry: number, intent: Intent): void {
    this.room(INTENT_WIDTH)
    const sym = this.symbolIndex.get(intent.symbol) ?? this.string(intent.symbol)
    const b = this.buf
    let i = this.n
    b[i++] = pipeline
    b[i++] = entry
    b[i++] = intent.kind === 'target' ? 0 : 1
    b[i++] = sym
    b[i++] = intent.ts
    if (intent.kind === 'target') {
      b[i++] = intent.weight
      b[i++] = 0
      b[i++] = 0
      b[i++] = 0
    } else {
      b[i++] = intent.side === 'buy' ? 0 : 1
      b[i++] = intent.type === 'market' ? 0 : 1
      b[i++] = intent.amount
      b[i++] = intent.price ?? Number.NaN
    }
    this.n = i
  }
}

/** Main side: calls `f` with every intent of a reply. */
export function readIntents(buf: Float64Array, n: number, strings: readonly string[], symbols: readonly string[], f: (pipeline: number, entry: number, intent: Intent) => void): void {
  for (let i = 0; i < n; i += INTENT_WIDTH) {
    const symbol = nameOf(buf[i + 3]!, symbols, strings)
    const ts = buf[i + 4]!
    let intent: Intent
    if (buf[i + 2] === 0) intent = { kind: 'target', symbol, weight: buf[i + 5]!, ts }
    else {
      const price = buf[i + 8]!
      intent = { kind: 'order', symbol, side: buf[i + 5] === 0 ? 'buy' : 'sell', type: buf[i + 6] === 0 ? 'market' : 'limit', amount: buf[i + 7]!, ...(Number.isNaN(price) ? {} : { price }), ts }
    }
    f(buf[i]!, buf[i + 1]!, intent)
  }
}
