import BetterSqlite3 from 'better-sqlite3'
import ccxt from 'ccxt'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { orderRateWithin } from '../src/cli/open-exchange.ts'
import { SendGate } from '../src/exchange/ccxt/send-gate.ts'
import { SimExchange } from '../src/exchange/sim/sim-exchange.ts'
import { BINANCE_LIMITS, BinanceRateLimits } from '../src/venue/binance-rate-limits.ts'
import { BinanceVenue } from '../src/venue/binance-venue.ts'
import { pointCcxtAt } from '../src/venue/ccxt-local.ts'
import { signalValue } from '../streams/signal-schedule.ts'

const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx')
const dir = mkdtempSync(join(tmpdir(), 'shoal-limits-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe("the venue's Binance limits", () => {
  it('counts request weight per IP and orders per account in fixed windows, and answers 429, then 418, as Binance does', () => {
    let now = 1_000_000_000_000
    const l = new BinanceRateLimits({ ...BINANCE_LIMITS, weightPerMinute: 100, ordersPer10s: 3, banAfter: 2, banMs: 60_000 }, () => now)
    expect(l.admit('a', 'GET /api/v3/exchangeInfo', {})).toEqual({ 'X-MBX-USED-WEIGHT-1M': '20' })
    expect(l.admit('a', 'GET /api/v3/depth', { limit: '500' })['X-MBX-USED-WEIGHT-1M']).toBe('45')
    // Another client has its own weight; orders count for the account.
    expect(l.admit('b', 'POST /api/v3/order', {})).toEqual({ 'X-MBX-USED-WEIGHT-1M': '1', 'X-MBX-ORDER-COUNT-10S': '1', 'X-MBX-ORDER-COUNT-1D': '1' })
    l.admit('a', 'POST /api/v3/order', {})
    l.admit('a', 'POST /api/v3/order', {})
    const tooMany = catchError(() => l.admit('a', 'POST /api/v3/order', {}))
    expect([tooMany.status, tooMany.code]).toEqual([429, -1015])
    expect(tooMany.message).toBe('Too many new orders; current limit is 3 orders per TEN_SECONDS.')
    expect(Number(tooMany.headers['Retry-After'])).toBeGreaterThan(0)
    expect(tooMany.headers['X-MBX-ORDER-COUNT-10S']).toBe('3')
    // The next 10 s window takes orders again.
    now += 10_000
    expect(l.admit('a', 'POST /api/v3/order', {})['X-MBX-ORDER-COUNT-10S']).toBe('1')
    // Weight: 100 a minute; past it -1003, and a client that keeps going is banned (418).
    const weighty = catchError(() => {
      for (;;) l.admit('c', 'GET /api/v3/account', {})
    })
    expect([weighty.status, weighty.code]).toEqual([429, -1003])
    // The third refusal within the minute is one too many (banAfter 2): the next request meets the ban.
    catchError(() => l.admit('c', 'GET /api/v3/account', {}))
    catchError(() => l.admit('c', 'GET /api/v3/account', {}))
    const banned = catchError(() => l.admit('c', 'GET /api/v3/ping', {}))
    expect([banned.status, banned.code]).toEqual([418, -1003])
    expect(banned.message).toMatch(/IP banned until/)
    // A ban is per IP.
    expect(() => l.admit('d', 'GET /api/v3/ping', {})).not.toThrow()
    expect(l.advertised()).toEqual([
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 100 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 3 },
      { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200_000 },
      { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61_000 },
    ])
  })

  it("an order rate taken from Binance's advertised limits never fills one of its windows", () => {
    const r = orderRateWithin([
      { limit: 100, intervalMs: 10_000 },
      { limit: 200_000, intervalMs: 86_400_000 },
    ])!
    expect(r.burst).toBe(50)
    expect(r.burst + r.perSec * 10).toBeLessThanOrEqual(100)
    expect(r.burst + r.perSec * 86_400).toBeLessThanOrEqual(200_000)
    expect(orderRateWithin([])).toBeNull()
  })
})

describe("the adapter's send gate", () => {
  it('sends a few at a time in order, refuses what waits while the venue says to wait, and drops what nobody waits for', async () => {
    let refuse: Error | null = null
    const gate = new SendGate(2, () => refuse)
    const started: number[] = []
    const finish: (() => void)[] = []
    const task = (i: number) => () =>
      new Promise<number>((resolve) => {
        started.push(i)
        finish.push(() => resolve(i))
      })
    const got: string[] = []
    for (let i = 0; i < 5; i++) {
      const sub = gate.run(task(i)).subscribe({ next: (v) => got.push(`ok ${v}`), error: (e: Error) => got.push(`refused ${i}: ${e.message}`) })
      if (i === 3) sub.unsubscribe()
    }
    expect(started).toEqual([0, 1])
    expect(gate.queued).toBe(3)
    refuse = new Error('wait 1000 ms')
    finish.shift()!()
    await new Promise((r) => setTimeout(r, 0))
    // 2 was refused at its turn, 3 was dropped (its caller left), 4 refused too; nothing more started.
    expect(started).toEqual([0, 1])
    expect(got).toEqual(['ok 0', 'refused 2: wait 1000 ms', 'refused 4: wait 1000 ms'])
    refuse = null
    finish.shift()!()
    await new Promise((r) => setTimeout(r, 0))
    expect(got.at(-1)).toBe('ok 1')
    expect(gate.run(task(9)).subscribe(() => {})).toBeDefined()
    expect(started).toEqual([0, 1, 9])
  })

  it('refuses 100,000 waiting orders in a row without growing the stack', async () => {
    let refuse: Error | null = null
    const gate = new SendGate(1, () => refuse)
    let release: () => void = () => {}
    gate.run(() => new Promise<void>((r) => (release = r))).subscribe()
    let refused = 0
    for (let i = 0; i < 100_000; i++) gate.run(() => Promise.resolve()).subscribe({ error: () => refused++ })
    refuse = new Error('wait')
    release()
    await new Promise((r) => setTimeout(r, 0))
    expect(refused).toBe(100_000)
    expect(gate.queued).toBe(0)
  })
})

describe('plain ccxt against the venue', () => {
  it("loads markets with default options, and a 429 reaches it as ccxt's rate-limit error", async () => {
    const sim = new SimExchange({ symbols: 3, seed: 4, latencyMs: 2 }).start()
    const venue = new BinanceVenue({ sim, credentials: { apiKey: 'pk', secret: 'ps' }, limits: { ...BINANCE_LIMITS, ordersPer10s: 2 } })
    const port = await venue.listen()
    try {
      // As a new user writes it: no options at all.
      const ex = pointCcxtAt(new ccxt.binance({ apiKey: 'pk', secret: 'ps' }), `http://127.0.0.1:${port}`)
      const markets = await ex.loadMarkets()
      expect(Object.keys(markets).sort()).toEqual(['BTC/USDT', 'ETH/USDT', 'SOL/USDT'])
      expect(ex.currencies.USDT).toBeDefined()
      await ex.createOrder('BTC/USDT', 'market', 'buy', 0.001)
      await ex.createOrder('BTC/USDT', 'market', 'buy', 0.001)
      const err = await ex.createOrder('BTC/USDT', 'market', 'buy', 0.001).catch((e: unknown) => e)
      // ccxt raises DDoSProtection (RateLimitExceeded's parent) for Binance's 429.
      expect(err).toBeInstanceOf(ccxt.DDoSProtection)
      expect(String(err)).toMatch(/-1015/)
      expect(ex.last_response_headers?.['Retry-After'] ?? ex.last_response_headers?.['retry-after']).toBeDefined()
    } finally {
      await venue.close()
      sim.stop()
    }
  })
})

describe('shoal run over ccxt against a venue with Binance-style limits (scaled down: 20 orders per 10 s)', () => {
  const STRATEGIES = 200
  const GROUPS = 10
  const ROUNDS = 4

  async function runAgainstVenue(netting: boolean) {
    const sim = new SimExchange({ symbols: 4, seed: 8, latencyMs: 3 }).start()
    const venue = new BinanceVenue({ sim, credentials: { apiKey: 'lk', secret: 'ls' }, limits: { ...BINANCE_LIMITS, ordersPer10s: 20 } })
    const port = await venue.listen()
    const name = netting ? 'netting' : 'per-strategy'
    const db = join(dir, `${name}.sqlite`)
    const cfg = join(dir, `${name}.yaml`)
    const summaryPath = join(dir, `${name}.json`)
    writeFileSync(
      cfg,
      [
        `exchange: { type: ccxt, id: binance, baseUrl: 'http://127.0.0.1:${port}', streams: ws, pollMs: 300, auditMs: 2000, rateLimitMs: 5 }`,
        `database: ${db}`,
        `signals: { everyS: 1, groups: ${GROUPS}, seed: 3, rounds: ${ROUNDS} }`,
        'strategies:',
        `  - { strategy: followSignal, count: ${STRATEGIES}, notional: 40 }`,
        `execution: { algo: market, netting: ${netting} }`,
        'engine: { statsEveryS: 1 }',
        '',
      ].join('\n'),
    )
    const env = { ...process.env, SHOAL_BINANCE_API_KEY: 'lk', SHOAL_BINANCE_SECRET: 'ls' }
    try {
      const run = spawn(tsx, ['src/cli.ts', 'run', '--config', cfg, '--duration', '9', '--summary', summaryPath], { env, stdio: ['ignore', 'ignore', 'pipe'] })
      let err = ''
      run.stderr.on('data', (b) => (err += b))
      const code = await new Promise<number | null>((r) => run.once('exit', r))
      expect(code, err.slice(-1500)).toBe(0)
      const d = new BetterSqlite3(db, { readonly: true })
      const positions = new Map(
        (d.prepare("select strategy_id s, sum(case when side = 'buy' then amount else -amount end) n from fills group by strategy_id").all() as { s: string; n: number }[]).map((r) => [r.s, r.n]),
      )
      const rejected = d.prepare("select reason from orders where status = 'rejected'").all() as { reason: string }[]
      d.close()
      return { summary: JSON.parse(readFileSync(summaryPath, 'utf8')), limits: { ...venue.limits!.counts }, venueOrders: sim.knownOrders(), positions, rejected }
    } finally {
      await venue.close()
      sim.stop()
    }
  }

  /** What each followSignal strategy should hold after the rounds: its last enter or exit decides. */
  const wantsLong = (i: number) => {
    let long = false
    for (let r = 1; r <= ROUNDS; r++) {
      const v = signalValue(3, r, i % GROUPS)
      if (v === 1) long = true
      else if (v === -1) long = false
    }
    return long
  }

  it('per strategy, the venue refuses orders with 429s; netted, it never does, and every strategy reaches its target', async () => {
    const per = await runAgainstVenue(false)
    expect(per.limits.orders, 'orders refused with -1015').toBeGreaterThan(0)
    expect(per.summary.venueStreams.rateLimited).toBeGreaterThan(0)
    expect(per.rejected.some((r) => /Too many new orders|rate limited/.test(r.reason))).toBe(true)
    // Orders waiting their turn while Retry-After runs are refused at home, never sent: no ban.
    expect(per.limits.banned, 'requests met with 418').toBe(0)

    const net = await runAgainstVenue(true)
    expect(net.limits.limited, 'requests refused by the venue').toBe(0)
    expect(net.summary.venueStreams.rateLimited).toBe(0)
    expect(net.summary.netting.childOrders).toBeGreaterThan(net.venueOrders.length * 5)
    // No fixed 10 s window of the venue saw more than its limit.
    const perWindow = new Map<number, number>()
    for (const o of net.venueOrders) perWindow.set(Math.floor(o.timestamp / 10_000), (perWindow.get(Math.floor(o.timestamp / 10_000)) ?? 0) + 1)
    expect(Math.max(...perWindow.values())).toBeLessThanOrEqual(20)
    // Every strategy holds what its signals asked for: its size if the last word was enter, nothing otherwise.
    const sizes = new Set<number>()
    for (let i = 0; i < STRATEGIES; i++) {
      const pos = net.positions.get(`followSignal-${i}`) ?? 0
      if (wantsLong(i)) {
        expect(pos, `followSignal-${i}`).toBeGreaterThan(0)
        sizes.add(+pos.toPrecision(9))
      } else expect(Math.abs(pos), `followSignal-${i}`).toBeLessThan(1e-12)
    }
    // One size per symbol: every long strategy got all of it.
    expect(sizes.size).toBeLessThanOrEqual(4)
  }, 90_000)
})

function catchError(f: () => unknown): { status: number; code: number; message: string; headers: Record<string, string> } {
  try {
    f()
  } catch (e) {
    return e as { status: number; code: number; message: string; headers: Record<string, string> }
  }
  throw new Error('expected a refusal')
}
