/** Quote currencies, longest first, for splitting names such as ADABTC. */
const QUOTES = ['FDUSD', 'USDT', 'USDC', 'BUSD', 'TUSD', 'BTC', 'ETH', 'BNB', 'EUR', 'USD', 'TRY', 'GBP', 'JPY', 'DAI']

/** A symbol read from a file name (ETH_BTC-5m.json → ETH/BTC, ADABTC-1m-2021-11-27.csv → ADA/BTC), or null. */
export function symbolHint(file: string): string | null {
  const name = (file.split(/[\\/]/).pop() ?? file).replace(/\.(gz|json|csv|txt)$/gi, '').replace(/\.(json|csv)$/i, '')
  const first = name.split(/[-.](?=\d|trades|klines|candles|ohlcv)/i)[0] ?? name
  const pair = /^([A-Za-z0-9]+)[_/-]([A-Za-z0-9]+)$/.exec(first)
  if (pair) return `${pair[1]!.toUpperCase()}/${pair[2]!.toUpperCase()}`
  const joined = first.toUpperCase()
  if (!/^[A-Z0-9]+$/.test(joined)) return null
  for (const q of QUOTES) if (joined.length > q.length && joined.endsWith(q)) return `${joined.slice(0, -q.length)}/${q}`
  return null
}

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/** A timeframe such as 5m, 1h or 1d in ms; NaN when it is not one. */
export function timeframeMs(tf: string): number {
  const m = /^(\d+)([smhdw])$/.exec(tf.trim())
  return m === null ? Number.NaN : Number(m[1]) * UNIT_MS[m[2]!]!
}

/** A duration in ms as the shortest timeframe string (300000 → 5m). */
export function timeframeLabel(ms: number): string {
  for (const [u, v] of Object.entries(UNIT_MS).reverse()) if (ms % v === 0 && ms >= v) return `${ms / v}${u}`
  return `${ms}ms`
}

/** The timeframe a file name states (…-5m.json), or null. */
export function timeframeHint(file: string): string | null {
  const m = /[-_.](\d+[smhdw])(?=[-_.]|$)/.exec(file.split(/[\\/]/).pop() ?? file)
  return m === null ? null : m[1]!
}
