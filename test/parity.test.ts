import BetterSqlite3 from 'better-sqlite3'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { simMarkets } from '../src/exchange/sim/markets.ts'
import { Child } from './support/child.ts'

const dir = mkdtempSync(join(tmpdir(), 'shoal-parity-'))
const children: Child[] = []
afterAll(() => {
  for (const c of children) c.killGroup()
  rmSync(dir, { recursive: true, force: true })
})

const SYMBOLS = ['BTC/USDT', 'ETH/USDT']
const STRATEGIES = `strategies:
  - { strategy: smaCross, symbols: [${SYMBOLS.join(', ')}], params: { fast: [3, 5], slow: [10, 20] }, notional: 100, sizing: order }
risk: { capitalPerStrategy: 100000 }
`

/** Each strategy's orders in the order it placed them: side and amount (what it decided), not fills. */
function decisions(db: string): Map<string, string[]> {
  const d = new BetterSqlite3(db, { readonly: true })
  const rows = d.prepare("select strategy_id s, side, amount from orders where status <> 'denied' order by created_at, rowid").all() as { s: string; side: string; amount: number }[]
  d.close()
  const out = new Map<string, string[]>()
  for (const r of rows) {
    const list = out.get(r.s) ?? []
    list.push(`${r.side} ${r.amount}`)
    out.set(r.s, list)
  }
  return out
}

describe('live/backtest parity', () => {
  it('shoal run against shoal exchange while recording, then the recording backtested: the same decisions', async () => {
    const venueEnv = { ...process.env, SHOAL_VENUE_API_KEY: 'pk', SHOAL_VENUE_API_SECRET: 'ps' }
    const venue = new Child('npm', ['run', '-s', 'shoal', '--', 'exchange', '--port', '0', '--symbols', '3', '--limits', 'off'], { env: venueEnv })
    children.push(venue)
    const listening = await venue.waitFor((l) => l.msg === 'venue listening', 60_000, 'venue listening')
    const base = String(listening.url).replace(/\/api\/v3$/, '')
    const live = join(dir, 'live.yaml')
    writeFileSync(live, `exchange: { type: ccxt, id: binance, baseUrl: ${base}, symbols: [${SYMBOLS.join(', ')}], streams: ws }\ndatabase: ${join(dir, 'live.sqlite')}\n${STRATEGIES}`)
    const run = new Child('npm', ['run', '-s', 'shoal', '--', 'run', '--config', live, '--duration', '40', '--record', join(dir, 'rec')], {
      env: { ...process.env, SHOAL_BINANCE_API_KEY: 'pk', SHOAL_BINANCE_SECRET: 'ps' },
    })
    children.push(run)
    const { code } = await run.exit
    expect(code, run.stderr.slice(-2000)).toBe(0)
    venue.signalGroup('SIGINT')
    await venue.exit
    const summary = JSON.parse(run.stderr.trim().split('\n').pop()!)
    expect(summary.recording.trades).toBeGreaterThan(100)
    expect(readdirSync(join(dir, 'rec')).some((f) => f.startsWith('BTC_USDT-trades-'))).toBe(true)

    // The recording, replayed through the same strategies, with the venue's lots, trade by trade.
    const markets = simMarkets(3, 1).markets
    const data = SYMBOLS.map((s) => {
      const m = markets.find((x) => x.symbol === s)!
      return `{ symbol: ${s}, file: ${join(dir, 'rec', `${s.replace('/', '_')}-trades-*.csv`)}, lotSize: ${m.lotSize}, tickSize: ${m.tickSize}, minNotional: ${m.minNotional} }`
    })
    const bt = join(dir, 'bt.yaml')
    writeFileSync(bt, `exchange: { type: replay, fill: trades, feeRate: 0.0005, data: [${data.join(', ')}] }\ndatabase: ${join(dir, 'bt.sqlite')}\n${STRATEGIES}`)
    const back = new Child('npm', ['run', '-s', 'shoal', '--', 'backtest', '--config', bt, '--persist', 'trades'])
    children.push(back)
    expect((await back.exit).code, back.stderr.slice(-2000)).toBe(0)

    const a = decisions(join(dir, 'live.sqlite'))
    const b = decisions(join(dir, 'bt.sqlite'))
    const ids = [...new Set([...a.keys(), ...b.keys()])]
    expect(ids.length).toBe(8)
    const same = ids.filter((id) => JSON.stringify(a.get(id) ?? []) === JSON.stringify(b.get(id) ?? []))
    const orders = [...a.values()].reduce((n, l) => n + l.length, 0)
    process.stderr.write(`parity: ${same.length}/${ids.length} strategies with identical decisions; ${orders} live orders\n`)
    expect(orders).toBeGreaterThan(10)
    expect(same.length).toBe(ids.length)
  }, 180_000)
})
