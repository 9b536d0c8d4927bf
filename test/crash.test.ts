import BetterSqlite3 from 'better-sqlite3'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { SimExchange } from '../src/exchange/sim/sim-exchange.ts'
import { BinanceVenue } from '../src/venue/binance-venue.ts'
import { until } from './support/wait.ts'

const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx')
const dir = mkdtempSync(join(tmpdir(), 'shoal-crash-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/**
 * Runs `shoal run --config cfg` in its own process group until the venue has more than `atLeast`
 * orders, kills the whole group with SIGKILL, waits until the venue has acted on every request that
 * reached it, then runs the same config again for 2 s. Returns the venue's order count at the crash
 * and the restarted run's summary.
 */
async function crashAndRestart(cfg: string, env: NodeJS.ProcessEnv, sim: SimExchange, venue: BinanceVenue, atLeast: number, summaryPath: string) {
  // Its own process group: tsx runs the script in a child process, and kill -9 must take both.
  const first = spawn(tsx, ['src/cli.ts', 'run', '--config', cfg], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let log = ''
  await new Promise<void>((resolve, reject) => {
    first.stderr.on('data', (b) => {
      log += b
      if (log.includes('"msg":"run started"')) resolve()
    })
    first.on('exit', (code) => reject(new Error(`first run exited early (${code}): ${log.slice(-500)}`)))
    setTimeout(() => reject(new Error(`first run did not start: ${log.slice(-1500)}`)), 20_000)
  })
  await until(() => sim.knownOrders().length > atLeast, 'orders at the venue', 30_000, 5)
  const exited = new Promise((r) => first.once('exit', r))
  process.kill(-first.pid!, 'SIGKILL')
  await exited
  // Requests that reached the venue before the kill are still acted on: wait until none is left.
  let seen = ''
  await until(
    async () => {
      const n = await venue.connections()
      seen = `${sim.requestsInFlight} requests not yet acted on, ${n} connections open`
      return sim.requestsInFlight === 0 && n === 0
    },
    () => `the venue to settle after the crash (${seen})`,
  )
  const venueAtCrash = sim.knownOrders().length
  // Restart on the same store: reconciliation runs before any new order.
  const second = spawn(tsx, ['src/cli.ts', 'run', '--config', cfg, '--duration', '2', '--summary', summaryPath], { env, stdio: ['ignore', 'ignore', 'pipe'] })
  let err2 = ''
  second.stderr.on('data', (b) => (err2 += b))
  const code = await new Promise<number | null>((r) => second.once('exit', r))
  expect(code, err2.slice(-800)).toBe(0)
  return { venueAtCrash, summary: JSON.parse(readFileSync(summaryPath, 'utf8')) }
}

describe('crash and restart against a venue that outlives the engine', () => {
  it('kill -9 mid-trading, restart: no venue order unknown to the store, positions equal the venue trades', async () => {
    // The venue keeps its state across the engine's crash, as a real exchange would.
    const sim = new SimExchange({ symbols: 3, seed: 17, latencyMs: 3 }).start()
    const venue = new BinanceVenue({ sim, credentials: { apiKey: 'ck', secret: 'cs' } })
    const port = await venue.listen()
    const env = { ...process.env, SHOAL_BINANCE_API_KEY: 'ck', SHOAL_BINANCE_SECRET: 'cs' }
    const db = join(dir, 'crash.sqlite')
    const cfg = join(dir, 'crash.yaml')
    writeFileSync(
      cfg,
      `exchange: { type: ccxt, id: binance, baseUrl: 'http://127.0.0.1:${port}', pollMs: 200 }\ndatabase: ${db}\nsignals: { everyS: 0.3, groups: 6, pEnter: 0.45, pExit: 0.45 }\nstrategies:\n  - { strategy: followSignal, count: 120, notional: 40 }\nengine: { statsEveryS: 1 }\n`,
    )
    try {
      // Trade, die without warning in the middle of it (signals every 0.3 s keep orders coming), restart.
      const { venueAtCrash, summary: s } = await crashAndRestart(cfg, env, sim, venue, 60, join(dir, 'restart.json'))
      expect(venueAtCrash).toBeGreaterThan(20)
      expect(s.reconciliation.venueOrders).toBe(venueAtCrash)
      // The crash lost events: reconciliation had something to do (missed fills, adoptions or orders that never left).
      expect(s.reconciliation.missedFills + s.reconciliation.adopted + s.reconciliation.neverReached).toBeGreaterThan(0)
      expect(s.reconciliation.restoredPositions).toBeGreaterThan(0)

      const d = new BetterSqlite3(db, { readonly: true })
      const stored = new Map(
        (d.prepare('select id, strategy_id, status, filled, reason from orders').all() as { id: string; strategy_id: string; status: string; filled: number; reason: string | null }[]).map((r) => [
          r.id,
          r,
        ]),
      )
      // Zero orders on the venue unknown to the store, with the same fills.
      const venueOrders = sim.knownOrders()
      for (const v of venueOrders) {
        const r = stored.get(v.clientOrderId)
        expect(r, `venue order ${v.clientOrderId} missing from the store`).toBeDefined()
        expect(r!.filled, `filled of ${v.clientOrderId} (${r!.status}, venue ${v.status})`).toBeCloseTo(v.filled, 9)
      }
      // Nothing in the store claims an order the venue does not have, unless it was closed as rejected.
      const onVenue = new Set(venueOrders.map((v) => v.clientOrderId))
      for (const r of stored.values()) if (!onVenue.has(r.id)) expect(['rejected', 'denied']).toContain(r.status)
      // Every strategy's position (at the restarted run's stop) equals the net of its trades on the venue.
      const net = new Map<string, number>()
      for (const v of venueOrders) {
        const sid = stored.get(v.clientOrderId)!.strategy_id
        net.set(sid, (net.get(sid) ?? 0) + (v.side === 'buy' ? v.filled : -v.filled))
      }
      const runId = (d.prepare('select id from runs order by started_at desc limit 1').get() as { id: string }).id
      const positions = d.prepare("select strategy_id, position from positions where run_id = ? and kind = 'stop'").all(runId) as { strategy_id: string; position: number }[]
      expect(positions).toHaveLength(120)
      for (const p of positions) expect(p.position, p.strategy_id).toBeCloseTo(net.get(p.strategy_id) ?? 0, 9)
      d.close()
    } finally {
      await venue.close()
      sim.stop()
    }
  })

  it('with netting: kill -9 mid-round, restart: every block reconciled, missed fills allocated once, positions = allocations, venue = strategies + house', async () => {
    const sim = new SimExchange({ symbols: 3, seed: 29, latencyMs: 3 }).start()
    const venue = new BinanceVenue({ sim, credentials: { apiKey: 'nk', secret: 'ns' } })
    const port = await venue.listen()
    const env = { ...process.env, SHOAL_BINANCE_API_KEY: 'nk', SHOAL_BINANCE_SECRET: 'ns' }
    const db = join(dir, 'crash-netting.sqlite')
    const cfg = join(dir, 'crash-netting.yaml')
    writeFileSync(
      cfg,
      `exchange: { type: ccxt, id: binance, baseUrl: 'http://127.0.0.1:${port}', pollMs: 200 }\ndatabase: ${db}\nsignals: { everyS: 0.3, groups: 6, pEnter: 0.45, pExit: 0.45 }\nstrategies:\n  - { strategy: followSignal, count: 120, notional: 40 }\nexecution: { algo: market, netting: true }\nengine: { statsEveryS: 1 }\n`,
    )
    try {
      const { summary: s } = await crashAndRestart(cfg, env, sim, venue, 12, join(dir, 'restart-netting.json'))
      expect(s.reconciliation.blocks).toBeGreaterThan(0)

      const d = new BetterSqlite3(db, { readonly: true })
      const blocks = new Map((d.prepare('select id, filled, status from blocks').all() as { id: string; filled: number; status: string }[]).map((b) => [b.id, b]))
      const allocated = new Map(
        (d.prepare('select block_id, sum(amount) n from allocations where block_id is not null group by block_id').all() as { block_id: string; n: number }[]).map((r) => [r.block_id, r.n]),
      )
      // Every order on the venue is a block the store knows, with the venue's fills, all allocated (children + house).
      const venueOrders = sim.knownOrders()
      expect(venueOrders.length).toBeGreaterThan(12)
      for (const v of venueOrders) {
        const b = blocks.get(v.clientOrderId)
        expect(b, `block ${v.clientOrderId} missing from the store`).toBeDefined()
        expect(b!.filled, v.clientOrderId).toBeCloseTo(v.filled, 9)
        expect(allocated.get(v.clientOrderId) ?? 0, `allocations of ${v.clientOrderId}`).toBeCloseTo(v.filled, 9)
        expect(b!.status).not.toBe('open')
      }
      // Each fill once: no trade id twice, and every strategy's position at the restarted run's stop is the sum of its allocations.
      const dup = d.prepare('select count(*) n from (select trade_id from allocations group by trade_id having count(*) > 1)').get() as { n: number }
      expect(dup.n).toBe(0)
      const byStrategy = new Map(
        (
          d.prepare("select strategy_id s, sum(case when side = 'buy' then amount else -amount end) n from allocations where kind != 'house' group by strategy_id").all() as { s: string; n: number }[]
        ).map((r) => [r.s, r.n]),
      )
      const runId = (d.prepare('select id from runs order by started_at desc limit 1').get() as { id: string }).id
      const positions = d.prepare("select strategy_id, symbol, position from positions where run_id = ? and kind = 'stop'").all(runId) as { strategy_id: string; symbol: string; position: number }[]
      expect(positions).toHaveLength(120)
      for (const p of positions) expect(p.position, p.strategy_id).toBeCloseTo(byStrategy.get(p.strategy_id) ?? 0, 9)
      // The venue's net per symbol is the strategies' plus the house's.
      const house = new Map(
        (d.prepare("select symbol, sum(case when side = 'buy' then amount else -amount end) n from allocations where kind = 'house' group by symbol").all() as { symbol: string; n: number }[]).map(
          (r) => [r.symbol, r.n],
        ),
      )
      d.close()
      const venueNet = new Map<string, number>()
      for (const v of venueOrders) venueNet.set(v.symbol, (venueNet.get(v.symbol) ?? 0) + (v.side === 'buy' ? v.filled : -v.filled))
      const strategiesNet = new Map<string, number>()
      for (const p of positions) strategiesNet.set(p.symbol, (strategiesNet.get(p.symbol) ?? 0) + p.position)
      for (const m of sim.markets) expect(venueNet.get(m.symbol) ?? 0, m.symbol).toBeCloseTo((strategiesNet.get(m.symbol) ?? 0) + (house.get(m.symbol) ?? 0), 9)
    } finally {
      await venue.close()
      sim.stop()
    }
  })
})
