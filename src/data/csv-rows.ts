/** A CSV line's delimiter: comma unless the line has more semicolons or tabs. */
export function delimiterOf(line: string): string {
  const count = (ch: string) => line.split(ch).length - 1
  const c = count(',')
  const s = count(';')
  const t = count('\t')
  return t > c && t >= s ? '\t' : s > c ? ';' : ','
}

/** Splits one CSV line; fields may be quoted ("a,b" and "" for a quote). */
export function splitCsv(line: string, delimiter: string): string[] {
  if (!line.includes('"')) return line.split(delimiter).map((s) => s.trim())
  const out: string[] = []
  let cur = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"'
        i++
      } else if (ch === '"') quoted = false
      else cur += ch
    } else if (ch === '"') quoted = true
    else if (ch === delimiter) {
      out.push(cur.trim())
      cur = ''
    } else cur += ch
  }
  out.push(cur.trim())
  return out
}

/** What header names mean: the usual spellings of each column, lower-cased. */
const ALIASES: Record<string, string> = {
  timestamp: 'timestamp',
  time: 'timestamp',
  date: 'timestamp',
  datetime: 'timestamp',
  ts: 'timestamp',
  open_time: 'timestamp',
  opentime: 'timestamp',
  open: 'open',
  o: 'open',
  high: 'high',
  h: 'high',
  low: 'low',
  l: 'low',
  close: 'close',
  c: 'close',
  volume: 'volume',
  vol: 'volume',
  v: 'volume',
  close_time: 'close_time',
  price: 'price',
  amount: 'amount',
  qty: 'amount',
  quantity: 'amount',
  size: 'amount',
  side: 'side',
  id: 'id',
  trade_id: 'id',
  is_buyer_maker: 'is_buyer_maker',
}

/** Column index by meaning (timestamp, open, …, price, amount, side, id); unknown columns are ignored. */
export function csvHeader(cells: readonly string[]): Map<string, number> {
  const out = new Map<string, number>()
  cells.forEach((c, i) => {
    const key =
      ALIASES[
        c
          .toLowerCase()
          .replace(/^"|"$/g, '')
          .replace(/[\s-]+/g, '_')
      ]
    if (key !== undefined && !out.has(key)) out.set(key, i)
  })
  // Binance's open_time is the bar's timestamp only when no plain timestamp column exists.
  return out
}
