import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { arg, emit, round } from './util.ts'

/**
 * What the grid costs a one-strategy-per-run tool: `shoal backtest` run once per strategy (one
 * combination on one file, a fresh process each, as such tools work), on `--samples` strategies of
 * the grid; the mean is extrapolated to the grid's 12,000 (said so in the README).
 */
const samples = arg('samples', 6)
const DATA = join(import.meta.dirname, '../../../shared/data/candles')
const SYMBOLS = ['ETH', 'LTC', 'ETC', 'ADA', 'XMR', 'DASH']
const dir = mkdtempSync(join(tmpdir(), 'shoal-one-'))
const walls: number[] = []
for (let i = 0; i < samples; i++) {
  const s = SYMBOLS[i % SYMBOLS.length]!
  const config = join(dir, `c${i}.yaml`)
  writeFileSync(
    config,
    `exchange: { type: replay, feeRate: 0.001, data: [{ symbol: ${s}/BTC, file: ${join(DATA, `${s}_BTC-5m.json`)} }] }\ndatabase: ${join(dir, 'one.sqlite')}\nrisk: off\nstrategies:\n  - { strategy: smaCross, params: { fast: ${2 + 7 * i}, slow: ${50 + 40 * i} }, notional: 1 }\n`,
  )
  const t0 = performance.now()
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'backtest', '--config', config, '--persist', 'summary'], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`backtest failed: ${r.stderr}`)
  walls.push((performance.now() - t0) / 1000)
}
rmSync(dir, { recursive: true, force: true })
const mean = walls.reduce((a, b) => a + b, 0) / walls.length
emit({ samples, meanSecPerStrategy: round(mean, 2), extrapolatedSecFor12000: Math.round(mean * 12_000) })
