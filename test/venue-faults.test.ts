import BetterSqlite3 from 'better-sqlite3'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { SimExchange } from '../src/exchange/sim/sim-exchange.ts'
import { BinanceVenue } from '../src/venue/binance-venue.ts'

const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx')
const dir = mkdtempSync(join(tmpdir(), 'shoal-faults-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const FINAL_VENUE: Record<string, string> = { closed: 'filled', canceled: 'canceled', rejected: 'rejected', expired: 'expired' }

describe('message faults on the venue websockets', () => {
  it('with pushes dropped, duplicated, reordered and connections cut, final orders and fills match the venue exactly', async () => {
    const sim = new SimExchange({ symbols: 3, seed: 23, latencyMs: 3, scenario: 'volatile' }).start()
    const venue = new BinanceVenue({
      sim,
      credentials: { apiKey: 'fk', secret: 'fs' },
      faults: { dropRate: 0.15, duplicateRate: 0.15, delayRate: 0.15, delayMs: 300, disconnectRate: 0.01, seed: 5 },
      // This test is about lost and reordered messages; chasing 60 strategies' orders is far over
      // Binance's 100 orders per 10 s, which test/rate-limits.test.ts covers.
      limits: null,
    })
    const port = await venue.listen()
    const env = { ...process.env, SHOAL_BINANCE_API_KEY: 'fk', SHOAL_BINANCE_SECRET: 'fs' }
    const db = join(dir, 'faults.sqlite')
    const cfg = join(dir, 'faults.yaml')
    const summaryPath = join(dir, 'faults.json')
    // Chase: limit orders that rest, fill as maker over the user stream, and are canceled and replaced.
    writeFileSync(
      cfg,
      `exchange: { type: ccxt, id: binance, baseUrl: 'http://127.0.0.1:${port}', streams: ws, pollMs: 300, auditMs: 1000, rateLimitMs: 5 }\ndatabase: ${db}\nsignals: { everyS: 0.4, groups: 6, pEnter: 0.45, pExit: 0.45 }\nstrategies:\n  - { strategy: followSignal, count: 60, notional: 40 }\nexecution: { algo: chase, workMs: 1500 }\nengine: { statsEveryS: 1 }\n`,
    )
    try {
      const run = spawn(tsx, ['src/cli.ts', 'run', '--config', cfg, '--duration', '8', '--summary', summaryPath], { env, stdio: ['ignore', 'ignore', 'pipe'] })
      let err = ''
      run.stderr.on('data', (b) => (err += b))
      // Besides the random cuts: every connection at once, twice, as a network outage would — once
      // the run trades (10 and then 30 orders on the venue), however long it took to start.
      let cuts = 0
      let exited = false
      const exit = new Promise<number | null>((r) => run.once('exit', r)).finally(() => (exited = true))
      for (const orders of [10, 30]) {
        while (!exited && sim.knownOrders().length < orders) await new Promise((r) => setTimeout(r, 20))
        if (!exited) cuts += venue.dropConnections()
      }
      const code = await exit
      expect(code, err.slice(-1500)).toBe(0)
      expect(cuts).toBeGreaterThan(2)
      const s = JSON.parse(readFileSync(summaryPath, 'utf8'))

      // The faults happened, and the adapter had to repair what they broke.
      const f = venue.faults.counts
      expect(f.dropped).toBeGreaterThan(10)
      expect(f.duplicated).toBeGreaterThan(10)
      expect(f.delayed).toBeGreaterThan(10)
      expect(s.venueStreams.streams).toBe('ws')
      expect(s.venueStreams.disconnects).toBeGreaterThan(0)
      expect(s.venueStreams.reconnects).toBeGreaterThan(0)
      expect(s.venueStreams.audits).toBeGreaterThanOrEqual(s.venueStreams.reconnects > 0 ? 2 : 1)
      expect(s.venueStreams.repaired + s.venueStreams.gaps).toBeGreaterThan(0)

      const venueOrders = sim.knownOrders()
      expect(venueOrders.length).toBeGreaterThan(30)
      expect(venueOrders.filter((v) => v.trades.some((t) => t.takerOrMaker === 'maker')).length, 'maker fills over the user stream').toBeGreaterThan(5)
      const d = new BetterSqlite3(db, { readonly: true })
      const stored = new Map((d.prepare('select id, status, filled from orders').all() as { id: string; status: string; filled: number }[]).map((r) => [r.id, r]))
      const fills = new Map<string, string[]>()
      for (const r of d.prepare('select order_id, trade_id from fills').all() as { order_id: string; trade_id: string }[])
        (fills.get(r.order_id) ?? fills.set(r.order_id, []).get(r.order_id)!).push(r.trade_id)
      d.close()
      for (const v of venueOrders) {
        const r = stored.get(v.clientOrderId)
        expect(r, `venue order ${v.clientOrderId} missing from the store`).toBeDefined()
        // Same state (the run cancels what it works at shutdown, so everything is final on both sides)…
        expect(v.status, `${v.clientOrderId} still open on the venue`).not.toBe('open')
        expect(
          r!.status,
          `${v.clientOrderId}: venue ${v.status}; the run's warnings: ${err
            .split('\n')
            .filter((l) => l.includes('"level":40') || l.includes('"level":50'))
            .slice(-5)
            .join('\n')}`,
        ).toBe(FINAL_VENUE[v.status])
        expect(r!.filled, `filled of ${v.clientOrderId}`).toBeCloseTo(v.filled, 9)
        // …and exactly the venue's trades, each once.
        const mine = (fills.get(v.clientOrderId) ?? []).map(Number).sort((a, b) => a - b)
        const theirs = v.trades.map((t) => Number(t.id.replace(/\D/g, ''))).sort((a, b) => a - b)
        expect(mine, `trades of ${v.clientOrderId}`).toEqual(theirs)
      }
      // Nothing in the store the venue never had, except orders closed as rejected.
      const onVenue = new Set(venueOrders.map((v) => v.clientOrderId))
      for (const [id, r] of stored) if (!onVenue.has(id)) expect(['rejected', 'denied'], id).toContain(r.status)
    } finally {
      await venue.close()
      sim.stop()
    }
  }, 90_000)
})
