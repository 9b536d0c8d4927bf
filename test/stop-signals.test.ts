import BetterSqlite3 from 'better-sqlite3'
import { execFileSync } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { StopSignals, type StopSignal } from '../src/cli/stop-signals.ts'
import { Child } from './support/child.ts'
import { cutOff, newPgDatabase } from './support/pg.ts'

const dir = mkdtempSync(join(tmpdir(), 'shoal-stop-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const children: Child[] = []
afterEach(() => {
  for (const c of children.splice(0)) c.killGroup()
})
const run = (cmd: string, args: string[]) => {
  const c = new Child(cmd, args)
  children.push(c)
  return c
}

describe('StopSignals', () => {
  const setup = (graceMs = 10_000) => {
    let t = 0
    const target = new EventEmitter()
    const stops: StopSignal[] = []
    const forces: StopSignal[] = []
    const s = new StopSignals({ graceMs, now: () => t, target: target as never, onStop: (x) => stops.push(x), onForce: (x) => forces.push(x) })
    return { s, stops, forces, at: (ms: number, sig: StopSignal) => ((t = ms), target.emit(sig, sig)) }
  }

  it('takes copies of one group signal as one stop request', () => {
    const { stops, forces, at } = setup()
    at(0, 'SIGINT')
    at(5, 'SIGINT')
    at(30, 'SIGTERM')
    at(900, 'SIGINT')
    expect(stops).toEqual(['SIGINT'])
    expect(forces).toEqual([])
  })

  it('ignores a second distinct press and forces on the third', () => {
    const { stops, forces, at } = setup()
    at(0, 'SIGINT')
    at(2_000, 'SIGINT')
    expect(forces).toEqual([])
    at(2_500, 'SIGINT') // a copy of the second
    expect(forces).toEqual([])
    at(4_000, 'SIGTERM')
    expect(stops).toEqual(['SIGINT'])
    expect(forces).toEqual(['SIGTERM'])
  })

  it('forces on any signal after the grace period', () => {
    const { forces, at } = setup(5_000)
    at(0, 'SIGTERM')
    at(5_001, 'SIGTERM')
    expect(forces).toEqual(['SIGTERM'])
  })

  it('keeps its listeners for the whole stop (process.once would leave the second copy to the default handler)', () => {
    const { s, at } = setup()
    const target = (s as unknown as { target: EventEmitter }).target
    at(0, 'SIGINT')
    expect(target.listenerCount('SIGINT')).toBe(1)
    expect(target.listenerCount('SIGTERM')).toBe(1)
  })
})

/** What a graceful stop must leave: exit 0, the summary, every accepted event in the SQLite file, the run closed. */
function expectGraceful(exit: { code: number | null }, c: Child, db: string, summaryPath: string, signal: string, inFlightAtSignal: number) {
  expect(exit.code, c.stderr.slice(-3000)).toBe(0)
  expect(inFlightAtSignal).toBeGreaterThan(0)
  const s = JSON.parse(readFileSync(summaryPath, 'utf8'))
  expect(s.stoppedBy).toBe(signal)
  expect(s.unpersistedEvents).toBe(0)
  expect(s.orders.submitted).toBeGreaterThan(0)
  const d = new BetterSqlite3(db, { readonly: true })
  const n = (q: string) => (d.prepare(q).get() as { n: number }).n
  expect(n('select count(*) n from orders')).toBe(s.orders.submitted + (s.risk?.denied ?? 0))
  expect(n('select count(*) n from fills')).toBe(s.fills)
  expect(n('select count(*) n from order_events')).toBe(s.persisted.events)
  expect(n('select count(*) n from runs where ended_at is not null')).toBe(1)
  d.close()
  // The stop was logged once; the copies of the group signal did not start a second one.
  expect(c.jsonLines().filter((l) => String(l.msg).startsWith('stopping:')).length).toBe(1)
}

/** Demo flags that keep orders in flight for ~1.5 s at a time, with a stats row every 0.25 s to catch them. */
const inFlightDemo = (strategies: number, db: string, summaryPath: string) => [
  '--strategies',
  String(strategies),
  '--duration',
  '120',
  '--signal-every',
  '0.5',
  '--latency',
  '1500',
  '--stats-every',
  '0.25',
  '--db',
  db,
  '--summary',
  summaryPath,
]

describe('a signal to the whole process group stops gracefully', () => {
  it('Ctrl-C (SIGINT to npm, sh and node) on npm run demo, twice, while orders are in flight', async () => {
    const db = join(dir, 'int.sqlite')
    const summaryPath = join(dir, 'int.json')
    const c = run('npm', ['run', '-s', 'demo', '--', ...inFlightDemo(3_000, db, summaryPath)])
    const row = await c.waitFor((l) => l.msg === 'stats' && (l.inFlight as number) > 0, 60_000, 'stats row with orders in flight')
    c.signalGroup('SIGINT')
    await c.waitFor((l) => String(l.msg).startsWith('stopping:'), 30_000, 'stopping log')
    c.signalGroup('SIGINT')
    expectGraceful(await c.exit, c, db, summaryPath, 'SIGINT', row.inFlight as number)
  })

  it('Ctrl-C on npm run demo --netting while blocks are in flight: every child and block ends, all of it stored', async () => {
    const db = join(dir, 'int-net.sqlite')
    const summaryPath = join(dir, 'int-net.json')
    const c = run('npm', ['run', '-s', 'demo', '--', ...inFlightDemo(3_000, db, summaryPath), '--netting'])
    const row = await c.waitFor((l) => l.msg === 'stats' && (l.inFlight as number) > 0, 60_000, 'stats row with children in flight')
    c.signalGroup('SIGINT')
    await c.waitFor((l) => String(l.msg).startsWith('stopping:'), 30_000, 'stopping log')
    c.signalGroup('SIGINT')
    expectGraceful(await c.exit, c, db, summaryPath, 'SIGINT', row.inFlight as number)
    const d = new BetterSqlite3(db, { readonly: true })
    const n = (q: string) => (d.prepare(q).get() as { n: number }).n
    expect(n('select count(*) n from blocks')).toBeGreaterThan(0)
    expect(n("select count(*) n from blocks where status = 'open'")).toBe(0)
    expect(n('select count(*) n from orders where closed_at is null')).toBe(0)
    // Allocations plus the house add up to what each block filled.
    expect(n('select count(*) n from blocks b where abs(b.filled - coalesce((select sum(amount) from allocations a where a.block_id = b.id), 0)) > 1e-9')).toBe(0)
    d.close()
    // What the venue saw of the rounds: input to each block's venue order.
    const netting = JSON.parse(readFileSync(summaryPath, 'utf8')).netting
    expect(netting.blockReactionMs.p50).toBeGreaterThan(0)
    expect(netting.blockReactionMs.max).toBeGreaterThanOrEqual(netting.blockReactionMs.p99)
    // And the desk's own work after each sweep (nets, blocks, the children's records, crosses).
    expect(netting.flushMs.p50).toBeGreaterThan(0)
    expect(netting.flushMs.max).toBeGreaterThanOrEqual(netting.flushMs.p99)
  })

  it('systemd-style stop (SIGTERM to the group) on shoal run --config', async () => {
    const db = join(dir, 'term.sqlite')
    const summaryPath = join(dir, 'term.json')
    const config = join(dir, 'term.yaml')
    writeFileSync(
      config,
      `exchange: { type: sim, symbols: 5, latencyMs: 1500, seed: 3 }\ndatabase: ${db}\nsignals: { everyS: 0.5, groups: 10 }\nengine: { statsEveryS: 0.25 }\nstrategies:\n  - { strategy: followSignal, count: 2000, notional: 100 }\n`,
    )
    const c = run('npm', ['run', '-s', 'shoal', '--', 'run', '--config', config, '--summary', summaryPath])
    const row = await c.waitFor((l) => l.msg === 'stats' && (l.inFlight as number) > 0, 60_000, 'stats row with orders in flight')
    c.signalGroup('SIGTERM')
    expectGraceful(await c.exit, c, db, summaryPath, 'SIGTERM', row.inFlight as number)
  })

  it('the compiled entry point (bin/shoal.js, plain node) stops the same way', async () => {
    execFileSync('npm', ['run', '-s', 'build'], { stdio: 'ignore' })
    const db = join(dir, 'bin.sqlite')
    const summaryPath = join(dir, 'bin.json')
    const c = run('bin/shoal.js', ['demo', ...inFlightDemo(2_000, db, summaryPath)])
    const row = await c.waitFor((l) => l.msg === 'stats' && (l.inFlight as number) > 0, 60_000, 'stats row with orders in flight')
    c.signalGroup('SIGTERM')
    expectGraceful(await c.exit, c, db, summaryPath, 'SIGTERM', row.inFlight as number)
  })

  it('shoal exchange: Ctrl-C to the group, twice, closes the venue and exits 0', async () => {
    const c = new Child('npm', ['run', '-s', 'shoal', '--', 'exchange', '--port', '0', '--symbols', '2'], { env: { ...process.env, SHOAL_VENUE_API_KEY: 'k', SHOAL_VENUE_API_SECRET: 's' } })
    children.push(c)
    await c.waitFor((l) => l.msg === 'venue listening', 30_000, 'venue listening')
    c.signalGroup('SIGINT')
    c.signalGroup('SIGINT')
    const exit = await c.exit
    expect(exit.code, c.stderr.slice(-2000)).toBe(0)
    expect(c.jsonLines().filter((l) => l.msg === 'venue stopping')).toHaveLength(1)
  })

  it('a signal after the grace period forces the exit, with the unwritten events saved first', async () => {
    const url = await newPgDatabase('stop_force')
    const c = run('npm', [
      'run',
      '-s',
      'demo',
      '--',
      '--strategies',
      '500',
      '--duration',
      '120',
      '--signal-every',
      '0.5',
      '--latency',
      '20',
      '--stats-every',
      '0.25',
      '--flush-timeout',
      '600',
      '--stop-grace',
      '1',
      '--db',
      url,
    ])
    await c.waitFor((l) => l.msg === 'stats' && (l.submitted as number) > 0, 60_000, 'orders submitted')
    const reopen = await cutOff(url)
    try {
      await c.waitFor((l) => String(l.msg).startsWith('order store write failed'), 30_000, 'store failure')
      c.signalGroup('SIGINT')
      const stopping = await c.waitFor((l) => String(l.msg).startsWith('stopping:'), 30_000, 'stopping log')
      // The flush keeps retrying the dead store; once the grace period is over, one more Ctrl-C ends it.
      await c.waitFor((l) => String(l.msg).startsWith('order store write failed') && (l.time as number) > (stopping.time as number) + 1_100, 60_000, 'a retry past the grace period')
      c.signalGroup('SIGINT')
      const exit = await c.exit
      expect(exit.code).toBe(130)
      const forced = await c.waitFor((l) => l.msg === 'forced exit', 1_000, 'forced exit log')
      const file = forced.spilledTo as string
      try {
        const spilled = readFileSync(file, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { type: string; order: { id: string } })
        expect(spilled.length).toBe(forced.unwritten)
        expect(spilled.length).toBeGreaterThan(0)
        for (const e of spilled) expect(typeof e.order.id).toBe('string')
      } finally {
        rmSync(file, { force: true })
      }
    } finally {
      await reopen()
    }
  })
})
