import type { Market } from '../../domain/market.ts'
import { hash01 } from '../../util/random.ts'
export { roundTo } from '../../util/numbers.ts'

const BASES = ['BTC', 'ETH', 'SOL', 'BNB', 'XRP', 'ADA', 'DOGE', 'AVAX', 'DOT', 'LINK', 'LTC', 'TRX', 'ATOM', 'UNI', 'XLM', 'ETC', 'FIL', 'APT', 'NEAR', 'ARB']
const START = [60000, 3000, 150, 550, 0.6, 0.45, 0.15, 35, 7, 15, 80, 0.12, 9, 8, 0.11, 25, 5, 9, 6, 1.1]

/** `n` spot markets quoted in USDT with a start price each; past the first 20, synthetic names S21, S22, … */
export function simMarkets(n: number, seed = 1): { markets: Market[]; startPrices: number[] } {
  const markets: Market[] = []
  const startPrices: number[] = []
  for (let i = 0; i < n; i++) {
    const base = BASES[i] ?? `S${i + 1}`
    const start = START[i] ?? Math.round(10 + hash01(seed, i, 99) * 990)
    const tickSize = 10 ** Math.floor(Math.log10(start) - 4)
    markets.push({
      symbol: `${base}/USDT`,
      base,
      quote: 'USDT',
      tickSize,
      lotSize: 10 ** Math.floor(Math.log10(10 / start) - 1),
      minNotional: 5,
      makerFee: 0.0002,
      takerFee: 0.0005,
    })
    startPrices.push(start)
  }
  return { markets, startPrices }
}
