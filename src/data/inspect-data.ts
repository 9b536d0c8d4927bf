import { type DataFormat, DataError } from './market-rows.ts'
import { openRows } from './read-rows.ts'
import { symbolHint, timeframeLabel } from './symbol-hint.ts'

/** What `shoal data inspect` tells about a file. */
export interface DataInspection {
  readonly file: string
  readonly format: DataFormat
  readonly kind: 'candles' | 'trades'
  readonly symbolHint: string | null
  readonly rows: number
  readonly from: string | null
  readonly to: string | null
  /** Candles: the bar period (the most common step between bars), as 5m/1h/…, and in ms. */
  readonly timeframe: string | null
  readonly timeframeMs: number | null
  /** Candles: places where bars are missing, how many bars in all, the longest hole. */
  readonly gaps: number
  readonly missingBars: number
  readonly largestGap: { readonly from: string; readonly to: string; readonly bars: number } | null
  readonly zeroVolumeBars: number
  /** Candles whose high/low do not enclose open and close (reported, not fatal). */
  readonly inconsistentBars: number
  /** Trades: taker sides and price range. */
  readonly buys: number
  readonly sells: number
  readonly priceMin: number | null
  readonly priceMax: number | null
}

const iso = (ms: number) => new Date(ms).toISOString()

/** Reads the whole file (streaming) and describes it; bad rows throw a DataError naming the row. */
export async function inspectData(file: string, format?: string): Promise<DataInspection> {
  const d = await openRows(file, format)
  let rows = 0
  let first = Number.NaN
  let last = Number.NaN
  let priceMin = Number.POSITIVE_INFINITY
  let priceMax = Number.NEGATIVE_INFINITY
  if (d.kind === 'trades') {
    let buys = 0
    let sells = 0
    for await (const p of d.rows) {
      if (rows++ === 0) first = p.ts
      last = p.ts
      if (p.side === 'buy') buys++
      else if (p.side === 'sell') sells++
      if (p.price < priceMin) priceMin = p.price
      if (p.price > priceMax) priceMax = p.price
    }
    return { ...base(file, d.format, 'trades', rows, first, last), buys, sells, priceMin: rows ? priceMin : null, priceMax: rows ? priceMax : null }
  }
  const steps = new Map<number, number>()
  const holes: { at: number; step: number }[] = []
  let zero = 0
  let inconsistent = 0
  for await (const c of d.rows) {
    if (rows++ === 0) first = c.ts
    else {
      const step = c.ts - last
      steps.set(step, (steps.get(step) ?? 0) + 1)
      holes.push({ at: last, step })
    }
    last = c.ts
    if (c.volume === 0) zero++
    if (c.high < Math.max(c.open, c.close) || c.low > Math.min(c.open, c.close)) inconsistent++
    if (c.low < priceMin) priceMin = c.low
    if (c.high > priceMax) priceMax = c.high
    // Keep only the steps that can be gaps once the bar period is known (bounded memory on long files).
    if (holes.length > 100_000) holes.splice(0, holes.length, ...holes.filter((h) => h.step > minStep(steps)))
  }
  if (rows === 0) throw new DataError(file, null, 'no rows')
  const tf = rows > 1 ? commonStep(steps) : null
  let gaps = 0
  let missing = 0
  let largest: DataInspection['largestGap'] = null
  if (tf !== null)
    for (const h of holes) {
      if (h.step <= tf) continue
      const bars = Math.round(h.step / tf) - 1
      if (bars < 1) continue
      gaps++
      missing += bars
      if (largest === null || bars > largest.bars) largest = { from: iso(h.at + tf), to: iso(h.at + h.step - tf), bars }
    }
  return {
    ...base(file, d.format, 'candles', rows, first, last),
    timeframe: tf === null ? null : timeframeLabel(tf),
    timeframeMs: tf,
    gaps,
    missingBars: missing,
    largestGap: largest,
    zeroVolumeBars: zero,
    inconsistentBars: inconsistent,
    priceMin,
    priceMax,
  }
}

function base(file: string, format: DataFormat, kind: 'candles' | 'trades', rows: number, first: number, last: number): DataInspection {
  return {
    file,
    format,
    kind,
    symbolHint: symbolHint(file),
    rows,
    from: rows ? iso(first) : null,
    to: rows ? iso(last) : null,
    timeframe: null,
    timeframeMs: null,
    gaps: 0,
    missingBars: 0,
    largestGap: null,
    zeroVolumeBars: 0,
    inconsistentBars: 0,
    buys: 0,
    sells: 0,
    priceMin: null,
    priceMax: null,
  }
}

/** The bar period: the most frequent step between consecutive bars (ties: the shorter). */
export function commonStep(steps: ReadonlyMap<number, number>): number | null {
  let best: number | null = null
  let n = 0
  for (const [s, k] of steps) if (k > n || (k === n && best !== null && s < best)) [best, n] = [s, k]
  return best
}

const minStep = (steps: ReadonlyMap<number, number>): number => commonStep(steps) ?? 0

/** The inspection as the lines `shoal data inspect` prints. */
export function inspectionText(r: DataInspection): string {
  const lines = [`file:       ${r.file}`, `format:     ${r.format} (${r.kind})`, `symbol:     ${r.symbolHint ?? '(not in the name)'}`, `rows:       ${r.rows}`, `span:       ${r.from} → ${r.to}`]
  if (r.kind === 'candles') {
    lines.push(`timeframe:  ${r.timeframe ?? '(one bar)'}`)
    lines.push(`gaps:       ${r.gaps}${r.gaps ? ` (${r.missingBars} bars missing; largest ${r.largestGap!.bars} bars, ${r.largestGap!.from} → ${r.largestGap!.to})` : ''}`)
    lines.push(`zero-volume bars: ${r.zeroVolumeBars}`)
    if (r.inconsistentBars) lines.push(`bars whose high/low do not enclose open/close: ${r.inconsistentBars}`)
  } else lines.push(`sides:      ${r.buys} buys, ${r.sells} sells, ${r.rows - r.buys - r.sells} unknown`)
  lines.push(`prices:     ${r.priceMin} … ${r.priceMax}`)
  return `${lines.join('\n')}\n`
}
