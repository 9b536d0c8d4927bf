import { ConfigError } from '../domain/errors.ts'
import { timeframeMs } from '../data/symbol-hint.ts'
import { mergeByTime } from '../exchange/replay/replay-feed.ts'
import { rank, type LeaderboardRow, type RankField } from './leaderboard.ts'
import { openSources, runBacktest, type BacktestResult, type BacktestRunOptions, type BacktestSpec } from './run-backtest.ts'

/** Rolling windows: rank on `trainMs`, carry the best `top` into the following `testMs`, step by `testMs`. */
export interface WalkForwardSpec {
  readonly trainMs: number
  readonly testMs: number
  readonly top: number
  readonly rankBy: RankField
}

/** `10d/3d` → train and test lengths in ms. */
export function parseWalkForward(v: string, flag = '--walk-forward'): { trainMs: number; testMs: number } {
  const [a, b, ...rest] = v.split('/')
  const trainMs = timeframeMs(a ?? '')
  const testMs = timeframeMs(b ?? '')
  if (rest.length > 0 || Number.isNaN(trainMs) || Number.isNaN(testMs)) throw new ConfigError(flag, `expected TRAIN/TEST periods such as 10d/3d or 36h/12h, got '${v}'`)
  return { trainMs, testMs }
}

/** Mean figures of a set of leaderboard rows (one window's selection). */
export interface WindowFigures {
  readonly strategies: number
  readonly netPnl: number
  readonly meanNetPnl: number
  readonly meanReturnPct: number
  readonly meanSharpe: number | null
  readonly roundTrips: number
}

export interface WalkForwardWindow {
  readonly index: number
  readonly train: { readonly from: string; readonly to: string }
  readonly test: { readonly from: string; readonly to: string }
  /** The strategies carried from train to test, best first. */
  readonly selected: readonly string[]
  readonly inSample: WindowFigures
  readonly outOfSample: WindowFigures
  readonly trainRows: readonly LeaderboardRow[]
  readonly testRows: readonly LeaderboardRow[]
}

export interface WalkForwardResult {
  readonly windows: readonly WalkForwardWindow[]
  readonly overall: {
    readonly windows: number
    readonly inSampleMeanReturnPct: number
    readonly outOfSampleMeanReturnPct: number
    readonly outOfSampleNetPnl: number
    /** Out-of-sample mean return over in-sample mean return: near 1 holds up, near 0 or below was fitted to noise. */
    readonly efficiency: number | null
  }
  readonly runs: readonly BacktestResult['figures'][]
}

export function windowFigures(rows: readonly LeaderboardRow[]): WindowFigures {
  const n = rows.length
  const sum = (f: (r: LeaderboardRow) => number) => rows.reduce((a, r) => a + f(r), 0)
  const sharpes = rows.map((r) => r.sharpe).filter((x): x is number => x !== null)
  return {
    strategies: n,
    netPnl: sum((r) => r.netPnl),
    meanNetPnl: n === 0 ? 0 : sum((r) => r.netPnl) / n,
    meanReturnPct: n === 0 ? 0 : sum((r) => r.returnPct) / n,
    meanSharpe: sharpes.length === 0 ? null : sharpes.reduce((a, b) => a + b, 0) / sharpes.length,
    roundTrips: sum((r) => r.roundTrips),
  }
}

/** The first and last event times of the data (within the spec's from/to). */
async function dataSpan(spec: BacktestSpec): Promise<{ first: number; last: number }> {
  const { opened } = await openSources(spec)
  let first = Number.NaN
  let last = Number.NaN
  for await (const e of mergeByTime(opened)) {
    if (Number.isNaN(first)) first = e.kind === 'bar' ? e.openTs : e.ts
    last = e.ts
  }
  if (Number.isNaN(first)) throw new ConfigError('exchange.data', 'no data in the chosen window')
  return { first, last }
}

const iso = (ms: number) => new Date(ms).toISOString()

/**
 * Walk-forward analysis: each window ranks every strategy on its train period only, then runs the
 * best `top` on the test period that follows (which ranking never saw), and the next window starts
 * one test period later. Each period is its own replay: indicators warm up inside it.
 */
export async function walkForward(spec: BacktestSpec, wf: WalkForwardSpec, o: BacktestRunOptions): Promise<WalkForwardResult> {
  const { first, last } = await dataSpan(spec)
  if (first + wf.trainMs + wf.testMs > last) throw new ConfigError('--walk-forward', `the data spans ${iso(first)} → ${iso(last)}: too short for one train and one test period`)
  const windows: WalkForwardWindow[] = []
  const runs: BacktestResult['figures'][] = []
  for (let start = first, k = 1; start + wf.trainMs + wf.testMs <= last; start += wf.testMs, k++) {
    const trainTo = start + wf.trainMs
    const testTo = trainTo + wf.testMs
    const train = await runBacktest({ ...spec, from: start, to: trainTo }, { ...o, runTag: `${o.runTag}w${k}a` })
    const best = rank(train.rows, wf.rankBy).slice(0, wf.top)
    const chosen = new Set(best.map((r) => r.strategyId))
    const test = await runBacktest({ ...spec, from: trainTo, to: testTo, strategies: (m) => spec.strategies(m).filter((s) => chosen.has(s.id)) }, { ...o, runTag: `${o.runTag}w${k}b` })
    // Test rows in the order the train ranking chose them.
    const byId = new Map(test.rows.map((r) => [r.strategyId, r]))
    const testRows = best.map((r) => byId.get(r.strategyId)!)
    runs.push(train.figures, test.figures)
    windows.push({
      index: k,
      train: { from: iso(start), to: iso(trainTo) },
      test: { from: iso(trainTo), to: iso(testTo) },
      selected: best.map((r) => r.strategyId),
      inSample: windowFigures(best),
      outOfSample: windowFigures(testRows),
      trainRows: rank(train.rows, wf.rankBy),
      testRows,
    })
  }
  const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length)
  const is = mean(windows.map((w) => w.inSample.meanReturnPct))
  const oos = mean(windows.map((w) => w.outOfSample.meanReturnPct))
  return {
    windows,
    overall: {
      windows: windows.length,
      inSampleMeanReturnPct: is,
      outOfSampleMeanReturnPct: oos,
      outOfSampleNetPnl: windows.reduce((a, w) => a + w.outOfSample.netPnl, 0),
      efficiency: is === 0 ? null : oos / is,
    },
    runs,
  }
}
