import { existsSync, readdirSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import type { Bar, Trade } from '../../domain/market.ts'
import { DataError, type Candle, type Print } from '../../data/market-rows.ts'
import { openRows } from '../../data/read-rows.ts'
import { commonStep } from '../../data/inspect-data.ts'
import { timeframeHint, timeframeMs } from '../../data/symbol-hint.ts'

/** One recorded data file of one symbol. */
export interface ReplaySource {
  readonly symbol: string
  readonly file: string
  readonly format?: string
  /** Bar period (5m, 1h…) of a candle file; default: from the file name, else from the first bars. */
  readonly timeframe?: string
  /** This symbol's market facts, over the replay's defaults. */
  readonly lotSize?: number
  readonly tickSize?: number
  readonly minNotional?: number
}

/** A file name, or a pattern with * and ? in its last part (rotated recordings): the files, in name order (their time order). */
export function filesOf(pattern: string): string[] {
  if (!/[*?]/.test(basename(pattern))) return [pattern]
  const dir = dirname(pattern)
  const re = new RegExp(
    `^${basename(pattern)
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  )
  const names = existsSync(dir) ? readdirSync(dir).filter((n) => re.test(n)) : []
  if (names.length === 0) throw new DataError(pattern, null, 'no file matches')
  return names.sort().map((n) => join(dir, n))
}

/** The rows of several files of one kind in turn, time checked across files too. */
async function* chained<T extends { ts: number }>(files: readonly string[], first: AsyncGenerator<T>, kind: string, format?: string): AsyncGenerator<T> {
  let last = Number.NEGATIVE_INFINITY
  for (let i = 0; i < files.length; i++) {
    let rows = first
    if (i > 0) {
      const d = await openRows(files[i]!, format)
      if (d.kind !== kind) throw new DataError(files[i]!, null, `holds ${d.kind}, the files before it ${kind}`)
      rows = d.rows as unknown as AsyncGenerator<T>
    }
    let n = 0
    for await (const r of rows) {
      n++
      if (n === 1 && r.ts < last) throw new DataError(files[i]!, 1, `starts at ${new Date(r.ts).toISOString()}, before the end of ${files[i - 1]}`)
      last = r.ts
      yield r
    }
  }
}

/** What the replay delivers, in time order across symbols. */
export type ReplayEvent = Bar | Trade

/** A source opened: its kind, and its events in time order (bars stamped with their close time). */
export interface OpenedSource {
  readonly source: ReplaySource
  readonly kind: 'candles' | 'trades'
  readonly format: string
  /** Candles: the bar period in ms. */
  readonly timeframeMs: number | null
  readonly events: AsyncGenerator<ReplayEvent>
}

const LOOKAHEAD = 500

/** Opens one source; `from`/`to` (epoch ms) keep bars that open at or after `from` and close by `to`, prints within [from, to). */
export async function openSource(s: ReplaySource, from = Number.NEGATIVE_INFINITY, to = Number.POSITIVE_INFINITY): Promise<OpenedSource> {
  const files = filesOf(s.file)
  const d = await openRows(files[0]!, s.format)
  if (d.kind === 'trades') return { source: s, kind: 'trades', format: d.format, timeframeMs: null, events: prints(s.symbol, chained(files, d.rows, 'trades', s.format), from, to) }
  const it = chained(files, d.rows, 'candles', s.format)[Symbol.asyncIterator]()
  // The bar period: stated, in the name, or the most common step among the first bars.
  const ahead: Candle[] = []
  let tf = s.timeframe !== undefined ? timeframeMs(s.timeframe) : Number.NaN
  if (s.timeframe !== undefined && Number.isNaN(tf)) throw new DataError(s.file, null, `timeframe '${s.timeframe}' is not a period such as 1m, 5m, 1h or 1d`)
  if (Number.isNaN(tf)) {
    const hint = timeframeHint(files[0]!)
    if (hint !== null) tf = timeframeMs(hint)
  }
  if (Number.isNaN(tf)) {
    for (let r = await it.next(); !r.done && ahead.length < LOOKAHEAD; r = ahead.length < LOOKAHEAD ? await it.next() : r) ahead.push(r.value)
    const steps = new Map<number, number>()
    for (let i = 1; i < ahead.length; i++) steps.set(ahead[i]!.ts - ahead[i - 1]!.ts, (steps.get(ahead[i]!.ts - ahead[i - 1]!.ts) ?? 0) + 1)
    const step = commonStep(steps)
    if (step === null) throw new DataError(files[0]!, null, 'cannot tell the bar period from one bar: give timeframe')
    tf = step
  }
  return { source: s, kind: 'candles', format: d.format, timeframeMs: tf, events: bars(s.symbol, ahead, it, tf, from, to) }
}

async function* bars(symbol: string, ahead: Candle[], rest: AsyncIterator<Candle>, tf: number, from: number, to: number): AsyncGenerator<Bar> {
  const bar = (c: Candle): Bar => ({ kind: 'bar', symbol, openTs: c.ts, ts: c.ts + tf, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume })
  for (const c of ahead) {
    if (c.ts + tf > to) return
    if (c.ts >= from) yield bar(c)
  }
  for (let r = await rest.next(); !r.done; r = await rest.next()) {
    if (r.value.ts + tf > to) return
    if (r.value.ts >= from) yield bar(r.value)
  }
}

async function* prints(symbol: string, rows: AsyncGenerator<Print>, from: number, to: number): AsyncGenerator<Trade> {
  let n = 0
  for await (const p of rows) {
    if (p.ts >= to) return
    n++
    if (p.ts < from) continue
    yield { kind: 'trade', symbol, id: p.id === '' ? `p${n}` : p.id, price: p.price, amount: p.amount, side: p.side ?? 'buy', ts: p.ts }
  }
}

/**
 * Every source's events merged in time order; at equal times, in the order the sources are listed
 * (a k-way merge holding one event per source: files larger than memory replay).
 */
export async function* mergeByTime(sources: readonly OpenedSource[]): AsyncGenerator<ReplayEvent> {
  const heads: (ReplayEvent | null)[] = await Promise.all(sources.map(async (s) => (await s.events.next()).value ?? null))
  for (;;) {
    let k = -1
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i]
      if (h !== null && h !== undefined && (k === -1 || h.ts < heads[k]!.ts)) k = i
    }
    if (k === -1) return
    yield heads[k]!
    const next = await sources[k]!.events.next()
    heads[k] = next.done ? null : next.value
  }
}
