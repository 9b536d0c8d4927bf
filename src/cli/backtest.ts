import { resolve } from 'node:path'
import { writeFileSync } from 'node:fs'
import type { Logger } from 'pino'
import { expandGrid, type StrategySpec } from '../../streams/strategies/grid.ts'
import { rank, rankField, writeLeaderboard, type LeaderboardRow } from '../backtest/leaderboard.ts'
import { resultRows, runBacktest, type BacktestSpec, type PersistMode } from '../backtest/run-backtest.ts'
import { parseWalkForward, walkForward, type WalkForwardResult } from '../backtest/walk-forward.ts'
import { loadConfig } from '../config/load-config.ts'
import type { ShoalConfig } from '../config/schema.ts'
import { ConfigError } from '../domain/errors.ts'
import type { Market } from '../domain/market.ts'
import { isPostgresUrl, openStore, redactUrl } from '../store/database.ts'
import { createOrderStore } from '../store/sqlite-worker-store.ts'
import { choiceFlag, intFlag, parseFlags, stringFlag } from './flags.ts'
import { allocatorOf, executionOf, riskLimitsOf } from './run.ts'
import { DEFAULT_ALLOCATOR } from '../engine/capital-allocator.ts'
import { backtestReport, type BacktestReport } from '../report/backtest-report.ts'
import { backtestHtml } from '../http/backtest-html.ts'
import { serveStoredRun } from './dashboard-command.ts'
import { httpSpec } from './http-flags.ts'

export const BACKTEST_HELP = `shoal backtest — replay recorded data through the live engine in virtual time, rank every strategy

  --config FILE        a config with exchange: { type: replay, data: [...] } (see examples/backtest.yaml)
  --from ISO --to ISO  replay only this window of the data (UTC unless the time says otherwise)
  --summary PATH       write the run's summary as JSON
  --leaderboard PATH   write every strategy's figures, best first (.json or .csv)
  --rank-by FIELD      netPnl (default), returnPct, sharpe, sortino, profitFactor, winRate, maxDrawdownPct, …
  --top N              strategies printed (default 10)
  --persist MODE       all (every order event) | trades (orders and fills; default) | summary (run and leaderboard only)
  --db PATH|URL        the store (default: the config's database)
  --walk-forward T/S   rolling windows (e.g. 10d/3d): rank on each train period T, carry the --top N
                       into the test period S that follows, step by S; in- and out-of-sample figures
  --html FILE          write the report (leaderboard, equity and drawdown of the best 10, parameter
                       heatmap) as one self-contained HTML file that opens offline
  --heatmap P1,P2      the heatmap's two parameters (default: the two with the most values)
  --heatmap-metric F   the figure it shows (default: the --rank-by field)
  --allocator hedge|off  re-weight capital online (the config's allocator knobs, or defaults) or
                       not, whatever the config says
  --http PORT          when done, serve the dashboard over this run until SIGINT/SIGTERM (0: any port)
  --http-host HOST     address to listen on (default 127.0.0.1)
`

const FLAGS = {
  config: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  summary: { type: 'string' },
  leaderboard: { type: 'string' },
  'rank-by': { type: 'string' },
  top: { type: 'string' },
  persist: { type: 'string' },
  db: { type: 'string' },
  'walk-forward': { type: 'string' },
  html: { type: 'string' },
  heatmap: { type: 'string' },
  'heatmap-metric': { type: 'string' },
  http: { type: 'string' },
  'http-host': { type: 'string' },
  allocator: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

const timeFlag = (v: string | boolean | undefined, flag: string): number | undefined => {
  if (v === undefined) return undefined
  const s = stringFlag(v, flag)
  const t = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(s) || !s.includes('T') ? s : `${s}Z`)
  if (Number.isNaN(t)) throw new ConfigError(flag, `expected an ISO time such as 2018-01-15 or 2018-01-15T12:00:00Z, got '${s}'`)
  return t
}

/** The config's strategies on the replayed markets, each sized by its quote notional at its orders' prices. */
function backtestStrategies(c: ShoalConfig, markets: readonly Market[]): StrategySpec[] {
  const all = markets.map((m) => m.symbol)
  const out: StrategySpec[] = []
  for (const [i, s] of c.strategies.entries()) {
    const symbols = s.symbols === 'all' ? all : s.symbols
    symbols.forEach((sym, j) => {
      if (!all.includes(sym)) throw new ConfigError(`strategies.${i}.symbols.${j}`, `no data for '${sym}' (the replay has ${all.join(', ')})`)
    })
    out.push(
      ...expandGrid({
        strategy: s.strategy,
        params: s.params,
        symbols,
        count: s.count,
        groups: c.signals?.groups ?? 1,
        notional: s.notional,
        idPrefix: s.idPrefix,
        offset: out.length,
        thread: s.thread,
      }),
    )
  }
  return out
}

/** `shoal backtest`: parses its flags and config, runs, writes the leaderboard; returns the summary. */
export async function runBacktestCommand(argv: string[], log: Logger, out: NodeJS.WriteStream = process.stdout): Promise<Record<string, unknown> | 'help'> {
  const { values: v, positionals } = parseFlags(argv, FLAGS)
  if (v.help) return 'help'
  if (positionals.length > 0) throw new ConfigError('backtest', `unexpected argument '${positionals[0]}'`)
  if (v.config === undefined) throw new ConfigError('--config', 'required: a config with exchange type replay (see examples/backtest.yaml)')
  const file = stringFlag(v.config, '--config')
  const from = timeFlag(v.from, '--from')
  const to = timeFlag(v.to, '--to')
  if (from !== undefined && to !== undefined && to <= from) throw new ConfigError('--to', 'must be after --from')
  const by = v['rank-by'] === undefined ? 'netPnl' : rankField(stringFlag(v['rank-by'], '--rank-by'))
  const top = v.top === undefined ? 10 : intFlag(v.top, '--top', 0)
  const persist: PersistMode = v.persist === undefined ? 'trades' : choiceFlag(v.persist, '--persist', ['all', 'trades', 'summary'] as const)
  const wf = v['walk-forward'] === undefined ? null : parseWalkForward(stringFlag(v['walk-forward'], '--walk-forward'))
  const leaderboardPath = v.leaderboard === undefined ? null : stringFlag(v.leaderboard, '--leaderboard')
  if (leaderboardPath !== null && !/\.(json|csv)$/.test(leaderboardPath)) throw new ConfigError('--leaderboard', `expected a .json or .csv path, got '${leaderboardPath}'`)
  const htmlPath = v.html === undefined ? null : stringFlag(v.html, '--html')
  if (htmlPath !== null && !htmlPath.endsWith('.html')) throw new ConfigError('--html', `expected a .html path, got '${htmlPath}'`)
  const heat = v.heatmap === undefined ? undefined : heatmapFlag(stringFlag(v.heatmap, '--heatmap'))
  const heatMetric = v['heatmap-metric'] === undefined ? undefined : rankField(stringFlag(v['heatmap-metric'], '--heatmap-metric'), '--heatmap-metric')
  const http = httpSpec(v.http, v['http-host'], process.env)
  if (wf !== null && (htmlPath !== null || heat !== undefined)) throw new ConfigError('--html', 'the report is for a single backtest, not --walk-forward')
  const c = await loadConfig(file)
  if (heat !== undefined) {
    const names = new Set(c.strategies.flatMap((s) => Object.keys(s.params ?? {})))
    for (const p of heat) if (!names.has(p)) throw new ConfigError('--heatmap', `no parameter '${p}' in ${file}'s strategies (they have ${[...names].join(', ') || 'none'})`)
  }
  if (c.exchange.type !== 'replay') throw new ConfigError(`${file}: exchange.type`, `a backtest replays recorded data: expected type replay, got ${c.exchange.type}`)
  const x = c.exchange
  const dbPath = v.db !== undefined ? stringFlag(v.db, '--db') : c.database
  const db = isPostgresUrl(dbPath) ? dbPath : resolve(dbPath)
  const runId = `backtest-${Date.now().toString(36)}`
  const store = await createOrderStore(await openStore(db), runId)
  await store.migrate()
  store.eventLog = persist === 'all'
  await store.startRun({ command: 'backtest', configFile: file, ...c, from, to, persist }, Date.now(), { kind: 'backtest' })
  const tty = out.isTTY === true
  let lastDraw = 0
  const t0 = performance.now()
  const span = { from: from ?? Number.NaN, to: to ?? Number.NaN }
  const spec: BacktestSpec = {
    sources: x.data,
    fill: x.fill,
    feeRate: x.feeRate,
    makerFeeRate: x.makerFeeRate,
    slippageBps: x.slippageBps,
    lotSize: x.lotSize,
    tickSize: x.tickSize,
    minNotional: x.minNotional,
    from,
    to,
    strategies: (m) => backtestStrategies(c, m),
    workers: c.engine.workers,
    allocator: v.allocator === undefined ? allocatorOf(c) : choiceFlag(v.allocator, '--allocator', ['hedge', 'off'] as const) === 'off' ? null : (allocatorOf(c) ?? DEFAULT_ALLOCATOR),
    risk: c.risk === 'off' ? null : riskLimitsOf(c, c.risk, file),
    ...executionOf(c),
  }
  const runOptions = {
    store,
    persist,
    runTag: `b${Date.now().toString(36)}`,
    log,
    progress: (p: { ts: number; bars: number; events: number }) => {
      if (!tty) return
      const now = performance.now()
      if (now - lastDraw < 250) return
      lastDraw = now
      if (Number.isNaN(span.from)) span.from = p.ts
      const sec = (now - t0) / 1000
      const done = Number.isNaN(span.to) ? null : Math.min(1, (p.ts - span.from) / Math.max(1, span.to - span.from))
      const eta = done === null || done === 0 ? '?' : `${Math.round((sec / done) * (1 - done))}s`
      out.write(`\r${new Date(p.ts).toISOString().slice(0, 16)}  bars ${p.bars}  events/s ${Math.round(p.events / sec)}  ETA ${eta}   `)
    },
  }
  let summary: Record<string, unknown>
  let report: BacktestReport | null = null
  try {
    if (wf !== null) {
      const r = await walkForward(spec, { ...wf, top: Math.max(1, top), rankBy: by }, runOptions)
      if (tty) out.write('\n')
      for (const w of r.windows) {
        await store.writeResults(resultRows(runId, `w${w.index}-train`, w.trainRows))
        await store.writeResults(resultRows(runId, `w${w.index}-test`, w.testRows))
      }
      if (leaderboardPath !== null)
        writeLeaderboard(
          leaderboardPath,
          r.windows.flatMap((w) => w.testRows.map((row) => ({ window: `w${w.index}-test`, ...row }))),
        )
      summary = {
        kind: 'backtest',
        runId,
        walkForward: { train: v['walk-forward'], top, rankBy: by, windows: r.windows.map(({ trainRows: _a, testRows: _b, ...w }) => w), overall: r.overall },
        strategies: r.runs[0]?.strategies ?? 0,
        wallSec: Number(((performance.now() - t0) / 1000).toFixed(3)),
        persist,
        persisted: { orders: store.written.orders, fills: store.written.fills, events: store.written.events },
        dbPath: redactUrl(db),
        leaderboard: leaderboardPath,
      }
      out.write(walkForwardText(r))
    } else {
      const result = await runBacktest(spec, runOptions)
      if (tty) out.write('\n')
      const ranked = rank(result.rows, by)
      await store.writeResults(resultRows(runId, 'all', ranked))
      if (leaderboardPath !== null) writeLeaderboard(leaderboardPath, ranked)
      const index = new Map(result.rows.map((r, i) => [r.strategyId, i]))
      const { figures: _f, ...headline } = result.figures as Record<string, unknown> & { figures?: unknown }
      report = backtestReport(ranked, (id) => (index.has(id) ? result.curve(index.get(id)!) : null), {
        rankBy: by,
        heat,
        metric: heatMetric,
        figures: {
          runId,
          bars: result.figures.bars,
          prints: result.figures.prints,
          from: result.figures.from,
          to: result.figures.to,
          fill: result.figures.fill,
          orders: result.figures.orders.submitted,
          fills: result.figures.fills,
          wallSec: result.figures.wallSec,
          ...pickScalars(headline),
        },
      })
      if (htmlPath !== null) writeFileSync(htmlPath, backtestHtml(report, `backtest ${runId}: ${file}`))
      summary = {
        kind: 'backtest',
        runId,
        ...result.figures,
        rankBy: by,
        top: ranked.slice(0, top),
        persist,
        persisted: { orders: store.written.orders, fills: store.written.fills, events: store.written.events },
        dbPath: redactUrl(db),
        leaderboard: leaderboardPath,
        html: htmlPath,
      }
      out.write(leaderboardText(ranked.slice(0, top), by, result.rows.length))
    }
  } catch (err) {
    // The run stays on record as failed, with why (nothing was accepted that is not written).
    await store.endRun({ kind: 'backtest', runId, failed: err instanceof Error ? err.message : String(err) }, Date.now())
    await store.close()
    throw err
  }
  // The stored summary keeps the report too, for the dashboard (`shoal dashboard`, --http).
  await store.endRun(report === null ? summary : { ...summary, report }, Date.now())
  await store.close()
  if (v.summary !== undefined) writeFileSync(stringFlag(v.summary, '--summary'), `${JSON.stringify(summary, null, 2)}\n`)
  if (http !== null) await serveStoredRun(db, runId, http, log)
  return summary
}

/** The figures of a backtest that are plain values (for the report's header). */
function pickScalars(o: Record<string, unknown>): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {}
  for (const [k, x] of Object.entries(o)) if (x === null || typeof x !== 'object') out[k] = x as string | number | boolean | null
  return out
}

/** --heatmap P1,P2 */
function heatmapFlag(s: string): [string, string] {
  const parts = s.split(',').map((x) => x.trim())
  if (parts.length !== 2 || parts.some((x) => x === '') || parts[0] === parts[1]) throw new ConfigError('--heatmap', `expected two different parameter names like fast,slow, got '${s}'`)
  return [parts[0]!, parts[1]!]
}

/** Each window's in- and out-of-sample figures as a terminal table. */
function walkForwardText(r: WalkForwardResult): string {
  const f = (x: number | null) => (x === null ? '—' : x.toFixed(2))
  const lines = ['window  train from → to                     test to             selected  IS return%  OOS return%  IS sharpe  OOS sharpe']
  for (const w of r.windows)
    lines.push(
      `${String(w.index).padStart(6)}  ${w.train.from.slice(0, 16)} → ${w.train.to.slice(0, 16)}  ${w.test.to.slice(0, 16)}  ${String(w.selected.length).padStart(8)}  ${f(w.inSample.meanReturnPct).padStart(10)}  ${f(w.outOfSample.meanReturnPct).padStart(11)}  ${f(w.inSample.meanSharpe).padStart(9)}  ${f(w.outOfSample.meanSharpe).padStart(10)}`,
    )
  const o = r.overall
  lines.push(
    `overall: in-sample mean return ${f(o.inSampleMeanReturnPct)} %, out-of-sample ${f(o.outOfSampleMeanReturnPct)} % (efficiency ${f(o.efficiency)}), out-of-sample netPnl ${o.outOfSampleNetPnl.toPrecision(6)}`,
  )
  return `${lines.join('\n')}\n`
}

/** The top of the leaderboard as a terminal table. */
function leaderboardText(rows: readonly LeaderboardRow[], by: string, of: number): string {
  const f = (x: number | null, d = 2) => (x === null ? '—' : x.toFixed(d))
  const head = `rank  strategy                          symbol      netPnl        return%  maxDD%  sharpe  trips  win%   (by ${by}, ${of} strategies)`
  const lines = rows.map((r, i) => {
    const name = `${r.strategyId} ${Object.entries(r.params)
      .map(([k, v]) => `${k}=${v}`)
      .join(',')}`
      .slice(0, 33)
      .padEnd(33)
    return `${String(i + 1).padStart(4)}  ${name} ${r.symbol.padEnd(10)} ${r.netPnl.toPrecision(6).padStart(12)}  ${f(r.returnPct).padStart(8)}  ${f(r.maxDrawdownPct).padStart(6)}  ${f(r.sharpe).padStart(6)}  ${String(r.roundTrips).padStart(5)}  ${r.winRate === null ? '   —' : (r.winRate * 100).toFixed(0).padStart(4)}`
  })
  return `${[head, ...lines].join('\n')}\n`
}
