import BetterSqlite3 from 'better-sqlite3'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openStore } from '../src/store/database.ts'
import { Child } from './support/child.ts'
import { cutOff, newPgDatabase } from './support/pg.ts'

const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx')
const dir = mkdtempSync(join(tmpdir(), 'shoal-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const shoal = (...args: string[]) => spawnSync(tsx, ['src/cli.ts', ...args], { encoding: 'utf8', timeout: 60_000 })

describe('shoal CLI: bad input', () => {
  it.each([
    [['demo', '--strategies', 'abc'], "shoal: --strategies: expected a whole number, got 'abc'"],
    [['demo', '--strategies', '0'], 'shoal: --strategies: expected 1 to 2000000, got 0'],
    [['demo', '--mode', 'fast'], "shoal: --mode: expected one of lock, await, got 'fast'"],
    [['demo', '--latency=-5'], 'shoal: --latency: expected 0 to 600000, got -5'],
    [['demo', '--reject-rate', '2'], 'shoal: --reject-rate: expected 0 to 1, got 2'],
    [['demo', '--bogus'], "shoal: --bogus: Unknown option '--bogus'"],
    [['demo', '--strategies'], "shoal: --strategies: Option '--strategies <value>' argument missing"],
    [['frobnicate'], "shoal: command: unknown command 'frobnicate' (try: shoal help)"],
    [['demo', '--workers=-1'], 'shoal: --workers: expected 0 to 64, got -1'],
    [['demo', '--allocator', 'kelly'], "shoal: --allocator: expected one of hedge, off, got 'kelly'"],
    [['demo', '--alloc-eta', '5'], 'shoal: --alloc-eta: needs --allocator hedge'],
    [['demo', '--allocator', 'hedge', '--alloc-floor', '2'], 'shoal: --alloc-floor: expected 0.000001 to 1, got 2'],
    [['demo', '--allocator', 'hedge', '--alloc-cap', '0.5'], 'shoal: --alloc-cap: expected at least 1, got 0.5'],
  ])('%j exits 2 and names what is wrong', (args, message) => {
    const r = shoal(...args)
    expect(r.stderr.trim()).toBe(message)
    expect(r.status).toBe(2)
  })

  it('shoal exchange needs its key pair from the environment, and names the variable', () => {
    const r = spawnSync(tsx, ['src/cli.ts', 'exchange', '--port', '0'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, SHOAL_VENUE_API_KEY: '', SHOAL_VENUE_API_SECRET: '' } })
    expect(r.status).toBe(2)
    expect(r.stderr.trim()).toBe('shoal: SHOAL_VENUE_API_KEY: required: the API key clients must send (environment variable)')
  })

  it('shoal exchange serves a plain ccxt binance instance pointed at it', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'exchange', '--port', '0', '--symbols', '3', '--latency', '2'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SHOAL_VENUE_API_KEY: 'k1', SHOAL_VENUE_API_SECRET: 's1' },
    })
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = ''
        child.stdout.on('data', (b) => {
          out += b
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
          if (m) resolve(m[1]!)
        })
        child.on('exit', (code) => reject(new Error(`exited ${code}`)))
      })
      const ccxt = (await import('ccxt')).default
      const { pointCcxtAt, SPOT_ONLY_OPTIONS } = await import('../src/venue/ccxt-local.ts')
      const ex = pointCcxtAt(new ccxt.binance({ apiKey: 'k1', secret: 's1', options: SPOT_ONLY_OPTIONS }), url)
      await ex.loadMarkets()
      const o = await ex.createOrder('ETH/USDT', 'market', 'buy', 0.01, undefined, { clientOrderId: 'cli-1' })
      expect(o.status).toBe('closed')
      expect((await ex.fetchOrder('', 'ETH/USDT', { clientOrderId: 'cli-1' })).filled).toBeCloseTo(0.01, 9)
    } finally {
      child.kill('SIGTERM')
    }
  })

  it('prints help', () => {
    const r = shoal('demo', '--help')
    expect(r.status).toBe(0)
    expect(r.stdout).toContain('--signal-every S')
  })
})

describe('shoal demo', () => {
  it('runs, prints stats as JSON lines off a terminal, writes the summary, and persists every order', () => {
    const db = join(dir, 'demo.sqlite')
    const summaryPath = join(dir, 'summary.json')
    const r = shoal(
      'demo',
      '--strategies',
      '600',
      '--symbols',
      '5',
      '--duration',
      '2.5',
      '--signal-every',
      '0.5',
      '--stats-every',
      '1',
      '--latency',
      '20',
      '--db',
      db,
      '--summary',
      summaryPath,
      '--seed',
      '3',
      '--positions-every',
      '1',
    )
    expect(r.status, r.stderr).toBe(0)
    const stats = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(stats.length).toBeGreaterThanOrEqual(2)
    expect(stats[0]).toMatchObject({ msg: 'stats', evaluations: expect.any(Number), reactionMs: expect.any(Object), sweepMs: expect.any(Object), heapMB: expect.any(Number) })
    const s = JSON.parse(readFileSync(summaryPath, 'utf8'))
    for (const k of [
      'strategies',
      'mode',
      'durationSec',
      'seed',
      'signals',
      'evaluations',
      'sweepMs',
      'reactionMs',
      'orders',
      'fills',
      'droppedWhileBusy',
      'positionsOpen',
      'persisted',
      'eventLoopLagMs',
      'heapUsedMB',
      'dbPath',
    ])
      expect(s).toHaveProperty(k)
    expect(s).toMatchObject({ strategies: 600, mode: 'lock', seed: 3, dbPath: db, unpersistedEvents: 0 })
    expect(s.signals).toBeGreaterThanOrEqual(4)
    expect(s.orders.submitted).toBeGreaterThan(100)
    const d = new BetterSqlite3(db, { readonly: true })
    // Interval snapshots hold only strategies whose position changed; the stop snapshot holds all.
    const snaps = d.prepare('select kind, count(*) n, count(distinct ts) t from positions group by kind order by kind').all() as { kind: string; n: number; t: number }[]
    expect(snaps[0]).toMatchObject({ kind: 'interval' })
    expect(snaps[0]!.t).toBeGreaterThanOrEqual(1)
    expect(snaps[1]).toEqual({ kind: 'stop', n: 600, t: 1 })
    const orders = (d.prepare('select count(*) n from orders').get() as { n: number }).n
    const fills = (d.prepare('select count(*) n from fills').get() as { n: number }).n
    d.close()
    expect(orders).toBe(s.orders.submitted)
    expect(s.persisted).toMatchObject({ orders, fills })
    expect(fills).toBe(s.fills)

    // shoal report over the same file
    const rep = shoal('report', '--db', db, '--json')
    expect(rep.status, rep.stderr).toBe(0)
    const rows = JSON.parse(rep.stdout) as Record<string, unknown>[]
    for (const k of ['strategyId', 'orders', 'fills', 'position', 'realizedPnl', 'fees', 'winRate']) expect(rows[0]).toHaveProperty(k)
    expect(rows.reduce((a, r) => a + (r.fills as number), 0)).toBe(s.fills)
    expect(rows.reduce((a, r) => a + (r.orders as number), 0)).toBe(s.orders.submitted)
    const csv = shoal('report', '--db', db, '--csv')
    expect(csv.stdout.split('\n')[0]).toBe('strategyId,symbol,orders,fills,position,realizedPnl,fees,netPnl,winRate,roundTrips,exposure,volume')
    const c = shoal('report', '--db', db, '--candles', 'BTC/USDT', '--interval', '1s', '--json')
    expect(JSON.parse(c.stdout).length).toBeGreaterThan(0)
    const missing = shoal('report', '--db', join(dir, 'nope.sqlite'))
    expect(missing.status).toBe(2)
    expect(missing.stderr.trim()).toBe(`shoal: --db: no such database file: ${join(dir, 'nope.sqlite')}`)
  })

  it('on SIGTERM mid-run, flushes every accepted event before exiting', async () => {
    const db = join(dir, 'term.sqlite')
    const summaryPath = join(dir, 'term.json')
    // One SIGTERM to the one process, started as npm's scripts start it (node with tsx's loader: the
    // tsx CLI's parent would SIGKILL a child too busy to acknowledge a relayed signal within ~60 ms).
    // The other stop tests signal the whole group.
    const child = new Child(process.execPath, [
      '--import',
      'tsx',
      'src/cli.ts',
      'demo',
      '--strategies',
      '2000',
      '--duration',
      '60',
      '--signal-every',
      '0.3',
      '--latency',
      '150',
      '--stats-every',
      '0.25',
      '--db',
      db,
      '--summary',
      summaryPath,
    ])
    await child.waitFor((l) => l.msg === 'stats' && (l.filled as number) > 0 && (l.persisted as number) > 0, 60_000, 'fills written')
    child.proc.kill('SIGTERM')
    const { code } = await child.exit
    expect(code).toBe(0)
    const s = JSON.parse(readFileSync(summaryPath, 'utf8'))
    expect(s.stoppedBy).toBe('SIGTERM')
    expect(s.durationSec).toBeLessThan(30)
    expect(s.unpersistedEvents).toBe(0)
    const d = new BetterSqlite3(db, { readonly: true })
    expect((d.prepare('select count(*) n from orders').get() as { n: number }).n).toBe(s.orders.submitted)
    expect((d.prepare('select count(*) n from fills').get() as { n: number }).n).toBe(s.fills)
    expect((d.prepare('select count(*) n from orders where closed_at is null').get() as { n: number }).n).toBe(0)
    // Exactly the accepted events, each once, in acceptance order.
    const log = d.prepare('select count(*) n, min(seq) lo, max(seq) hi from order_events').get() as { n: number; lo: number; hi: number }
    expect(log).toEqual({ n: s.persisted.events, lo: 1, hi: s.persisted.events })
    expect((d.prepare("select count(*) n from positions where kind = 'stop'").get() as { n: number }).n).toBe(2000)
    expect(JSON.parse((d.prepare('select summary from runs').get() as { summary: string }).summary)).toMatchObject({ stoppedBy: 'SIGTERM' })
    d.close()
  })
})

describe('shoal demo on PostgreSQL', () => {
  it('writes orders, fills and the event log to a postgres:// URL', async () => {
    const url = await newPgDatabase('cli_pg')
    const summaryPath = join(dir, 'pg.json')
    const r = shoal('demo', '--strategies', '400', '--duration', '2', '--signal-every', '0.4', '--latency', '20', '--db', url, '--summary', summaryPath)
    expect(r.status, r.stderr).toBe(0)
    const s = JSON.parse(readFileSync(summaryPath, 'utf8'))
    const conn = await openStore(url)
    const n = async (t: 'orders' | 'fills' | 'order_events') =>
      Number(
        (
          await conn.db
            .selectFrom(t)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      )
    expect(await n('orders')).toBe(s.orders.submitted)
    expect(await n('fills')).toBe(s.fills)
    expect(await n('order_events')).toBe(s.persisted.events)
    expect(s.unpersistedEvents).toBe(0)
    await conn.db.destroy()
  })

  it('when PostgreSQL refuses connections until the end, saves the unwritten events to a file and exits 1', async () => {
    const url = await newPgDatabase('cli_down')
    const summaryPath = join(dir, 'down.json')
    const child = new Child(tsx, [
      'src/cli.ts',
      'demo',
      '--strategies',
      '500',
      '--duration',
      '3',
      '--signal-every',
      '0.5',
      '--latency',
      '20',
      '--stats-every',
      '0.2',
      '--flush-timeout',
      '2',
      '--db',
      url,
      '--summary',
      summaryPath,
    ])
    // Cut the database off once the run is trading and writing (not before it connected).
    await child.waitFor((l) => l.msg === 'stats' && (l.persisted as number) > 0, 30_000, 'events written')
    const reopen = await cutOff(url)
    const { code } = await child.exit
    const stderr = child.stderr
    await reopen()
    expect(code).toBe(1)
    expect(stderr).toMatch(/order store write failed: retrying, events kept in memory/)
    const m = /accepted events were not written to (\S+); they are in (\S+)/.exec(stderr)
    expect(m, stderr.slice(-2000)).not.toBeNull()
    const s = JSON.parse(readFileSync(summaryPath, 'utf8'))
    let spilled: unknown[]
    try {
      spilled = readFileSync(m![2]!, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
    } finally {
      rmSync(m![2]!, { force: true })
    }
    const conn = await openStore(url)
    const inDb = Number(
      (
        await conn.db
          .selectFrom('order_events')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )
    await conn.db.destroy()
    // Nothing accepted is lost: what is not in the database is in the file.
    expect(spilled.length).toBeGreaterThan(0)
    expect(inDb + spilled.length).toBe(s.persisted.events + s.unpersistedEvents)
    expect(s.sink.spilledTo).toBe(m![2])
  })
})
