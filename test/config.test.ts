import BetterSqlite3 from 'better-sqlite3'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigFileError, loadConfig } from '../src/config/load-config.ts'
import { dryRunReport, runCommand } from '../src/cli/run.ts'

const dir = mkdtempSync(join(tmpdir(), 'shoal-config-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const file = (name: string, text: string) => {
  const p = join(dir, name)
  writeFileSync(p, text)
  return p
}
const problems = async (text: string, name = 'c.yaml'): Promise<string[]> => {
  try {
    await loadConfig(file(name, text))
    return []
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigFileError)
    return [...(e as ConfigFileError).problems]
  }
}

describe('config files', () => {
  it('loads the shipped examples, and a dry run counts the expanded strategies', async () => {
    for (const f of ['examples/followers.yaml', 'examples/grids-crash.yaml', 'examples/local-venue.yaml', 'examples/research-allocator.yaml', 'examples/backtest.yaml'])
      await expect(loadConfig(f)).resolves.toBeTruthy()
    const cmd = await runCommand(['--config', 'examples/grids-crash.yaml', '--dry-run'])
    if (cmd === 'help') throw new Error('help')
    expect(cmd.dryRun).toBe(true)
    // smaCross: count 3000; meanReversion: 2 × 3 params × 3 symbols = 18
    expect(await dryRunReport(cmd)).toContain('strategies: 3018 (smaCross 3000, meanReversion 18)')
    expect(cmd.session.execution).toMatchObject({ algo: 'peg', options: { pegOffsetTicks: 1, maxWorkMs: 5000 } })
    expect(cmd.session.risk.breaker).toEqual({ maxDrawdown: 0.02, windowMs: 120_000, action: 'REDUCING', cooldownMs: 3_600_000, perStrategy: false })
  })

  it('reads JSON too, with the same schema', async () => {
    const c = await loadConfig(file('c.json', JSON.stringify({ exchange: { type: 'sim' }, strategies: [{ strategy: 'followSignal', count: 5 }] })))
    expect(c.database).toBe('./shoal.sqlite')
    expect(c.strategies[0]).toMatchObject({ symbols: 'all', notional: 100 })
  })

  it('names the path and what was expected for every problem, all at once', async () => {
    expect(
      await problems(`
exchange: { type: sim, symbols: -3, latencyMs: fast }
strategies:
  - strategy: smaCross
    params: { fast: [5, x] }
    notional: 0
engine: { mode: turbo, colour: blue }
`),
    ).toEqual([
      'exchange.symbols: Too small: expected number to be >0',
      'exchange.latencyMs: Invalid input: expected number, received string',
      'strategies.0.params.fast: Invalid input',
      'strategies.0.notional: Too small: expected number to be >0',
      'engine.mode: Invalid option: expected one of "lock"|"await"',
      'engine: Unrecognized key: "colour"',
    ])
  })

  it('checks strategies, parameters and symbols against the registry and the exchange', async () => {
    expect(
      await problems(`
exchange: { type: sim, symbols: 3 }
strategies:
  - { strategy: smaCross, params: { fast: [50], slow: [20] } }
  - { strategy: nope }
  - { strategy: meanReversion, symbols: [BTC/USDT, DOGE/USDT] }
  - { strategy: followSignal, params: { weigth: 1 } }
`),
    ).toEqual([
      'strategies.0.params: fast (50) must be below slow (20)',
      "strategies.1.strategy: unknown strategy 'nope' (known: followSignal, smaCross, meanReversion, arForecast)",
      "strategies.2.symbols.1: unknown symbol 'DOGE/USDT' (the exchange lists BTC/USDT, ETH/USDT, SOL/USDT, …)",
      'strategies.3.params.weigth: unknown parameter of followSignal (known: weight)',
    ])
  })

  it("worker threads, the allocator and a strategy entry's thread are checked with their paths", async () => {
    expect(await problems('exchange: { type: sim }\nengine: { workers: -1 }\nstrategies:\n  - { strategy: arForecast, thread: gpu }\nallocator: { kind: kelly, floor: 2 }\n')).toEqual([
      'strategies.0.thread: Invalid option: expected one of "main"|"worker"',
      'engine.workers: Too small: expected number to be >=0',
      'allocator.kind: Invalid input: expected "hedge"',
      'allocator.floor: Too big: expected number to be <=1',
    ])
    expect(await problems('exchange: { type: sim }\nstrategies:\n  - { strategy: smaCross, thread: worker }\n')).toEqual([
      'strategies.0.thread: worker needs worker threads (engine.workers of at least 1)',
    ])
    const c = await loadConfig(file('ok.yaml', 'exchange: { type: sim }\nengine: { workers: 2 }\nstrategies:\n  - { strategy: arForecast, thread: worker }\nallocator: { kind: hedge }\n'))
    expect(c.engine.workers).toBe(2)
    expect(c.allocator).toEqual({ kind: 'hedge', horizonS: 300, eta: 10, floor: 0.1, cap: 10 })
  })

  it('says where YAML is broken, and that an exchange needs a type', async () => {
    expect((await problems('exchange: { type: sim\nstrategies: ['))[0]).toMatch(/^cannot parse at line \d+, column \d+/)
    expect(await problems('strategies: [{ strategy: followSignal }]')).toEqual(['exchange: Invalid input: expected object, received undefined'])
    expect((await problems('exchange: { type: binance }\nstrategies: [{ strategy: followSignal }]'))[0]).toMatch(/^exchange\.type: Invalid/)
    expect(await problems('exchange: { type: ccxt, id: binance, apiKey: abc, secret: xyz }\nstrategies: [{ strategy: followSignal }]')).toEqual([
      'exchange.apiKey: credentials are never read from the config file; set SHOAL_BINANCE_API_KEY and SHOAL_BINANCE_SECRET in the environment',
      'exchange.secret: credentials are never read from the config file; set SHOAL_BINANCE_API_KEY and SHOAL_BINANCE_SECRET in the environment',
    ])
  })

  it('a missing file is an error naming the flag', async () => {
    await expect(loadConfig(join(dir, 'nope.yaml'))).rejects.toThrow('--config: no such file')
  })
})

describe('shoal run (CLI)', () => {
  const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx')
  const shoal = (...args: string[]) => spawnSync(tsx, ['src/cli.ts', ...args], { encoding: 'utf8', timeout: 60_000 })

  it('exits 2 with every problem of a bad file, and 0 with the count on --dry-run', () => {
    const bad = file('bad.yaml', 'exchange: { type: sim }\nstrategies: [{ strategy: smaCross, count: 0 }]\n')
    const r = shoal('run', '--config', bad)
    expect(r.status).toBe(2)
    expect(r.stderr.trim()).toBe(`shoal: ${bad}: strategies.0.count: Too small: expected number to be >0`)
    const d = shoal('run', '--config', 'examples/followers.yaml', '--dry-run')
    expect(d.status).toBe(0)
    expect(d.stdout).toContain('strategies: 10000 (followSignal 10000)')
    expect(shoal('run').stderr.trim()).toBe('shoal: --config: required: the config file to run (see examples/)')
  })

  it('runs against ccxt binance pointed at a local venue, and every venue order is in the store', async () => {
    const { SimExchange } = await import('../src/exchange/sim/sim-exchange.ts')
    const { BinanceVenue } = await import('../src/venue/binance-venue.ts')
    const sim = new SimExchange({ symbols: 3, seed: 9, latencyMs: 2 }).start()
    const venue = new BinanceVenue({ sim, credentials: { apiKey: 'vk', secret: 'vs' } })
    const port = await venue.listen()
    try {
      const db = join(dir, 'ccxt.sqlite')
      const cfg = file(
        'ccxt.yaml',
        `exchange: { type: ccxt, id: binance, baseUrl: 'http://127.0.0.1:${port}', pollMs: 200 }\ndatabase: ${db}\nsignals: { everyS: 0.7, groups: 3 }\nstrategies:\n  - { strategy: followSignal, count: 30, notional: 50 }\n`,
      )
      const summaryPath = join(dir, 'ccxt.json')
      const r = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const { spawn } = require('node:child_process') as typeof import('node:child_process')
        const child = spawn(tsx, ['src/cli.ts', 'run', '--config', cfg, '--duration', '3', '--summary', summaryPath], {
          env: { ...process.env, SHOAL_BINANCE_API_KEY: 'vk', SHOAL_BINANCE_SECRET: 'vs' },
        })
        let stderr = ''
        child.stderr.on('data', (b) => (stderr += b))
        child.on('exit', (status) => resolve({ status, stderr }))
      })
      expect(r.status, r.stderr.slice(-800)).toBe(0)
      const s = JSON.parse(readFileSync(summaryPath, 'utf8'))
      expect(s).toMatchObject({ exchange: 'binance', strategies: 30, unpersistedEvents: 0 })
      expect(s.orders.submitted).toBeGreaterThan(10)
      const d = new BetterSqlite3(db, { readonly: true })
      const stored = new Map((d.prepare('select id, status, filled from orders').all() as { id: string; status: string; filled: number }[]).map((x) => [x.id, x]))
      d.close()
      const known = sim.knownOrders()
      expect(known.length).toBe(s.orders.submitted - s.orders.rejected)
      for (const v of known) expect(stored.get(v.clientOrderId)?.filled).toBeCloseTo(v.filled, 9)
    } finally {
      await venue.close()
      sim.stop()
    }
  })

  it('names the environment variables when a ccxt key pair is missing', () => {
    const cfg = file('nokey.yaml', `exchange: { type: ccxt, id: binance, baseUrl: 'http://127.0.0.1:9' }\nstrategies: [{ strategy: followSignal }]\n`)
    const r = spawnSync(tsx, ['src/cli.ts', 'run', '--config', cfg, '--dry-run'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, SHOAL_BINANCE_API_KEY: '', SHOAL_BINANCE_SECRET: '' } })
    expect(r.status).toBe(2)
    expect(r.stderr.trim()).toBe('shoal: SHOAL_BINANCE_API_KEY: required with SHOAL_BINANCE_SECRET: the binance key pair comes only from the environment')
  })

  it('runs a config and stops cleanly, with its configuration stored in the run', () => {
    const db = join(dir, 'run.sqlite')
    const cfg = file(
      'run.yaml',
      `exchange: { type: sim, symbols: 4, latencyMs: 20 }\ndatabase: ${db}\nsignals: { everyS: 0.5, groups: 4 }\nstrategies:\n  - { strategy: followSignal, count: 200 }\nexecution: { algo: chase, workMs: 1000 }\n`,
    )
    const summaryPath = join(dir, 'run.json')
    const r = shoal('run', '--config', cfg, '--duration', '2.5', '--summary', summaryPath)
    expect(r.status, r.stderr.slice(-500)).toBe(0)
    const s = JSON.parse(readFileSync(summaryPath, 'utf8'))
    expect(s).toMatchObject({ strategies: 200, stoppedBy: 'duration', unpersistedEvents: 0, execution: { algo: 'chase' } })
    expect(s.orders.submitted).toBeGreaterThan(0)
    const d = new BetterSqlite3(db, { readonly: true })
    const run = d.prepare('select id, config from runs').get() as { id: string; config: string }
    expect(run.id).toMatch(/^run-/)
    expect(JSON.parse(run.config)).toMatchObject({ command: 'run', configFile: cfg, execution: { algo: 'chase' } })
    // Orders the risk gate denied are stored too (status denied), never submitted.
    expect((d.prepare("select count(*) n from orders where status <> 'denied'").get() as { n: number }).n).toBe(s.orders.submitted)
    expect((d.prepare("select count(*) n from orders where status = 'denied'").get() as { n: number }).n).toBe(s.orders.denied)
    d.close()
  })
})
