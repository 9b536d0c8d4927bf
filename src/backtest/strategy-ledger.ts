import type { ActorState } from '../../actors/actor-state.ts'
import type { StrategyActor } from '../../actors/strategy-actor.ts'
import { profitFactor, returnsOf, sharpe, sortino } from './performance.ts'

/** One strategy's figures over a replay (the leaderboard's numbers). */
export interface StrategyFigures {
  readonly entries: number
  readonly roundTrips: number
  readonly winRate: number | null
  readonly netPnl: number
  readonly returnPct: number
  readonly fees: number
  readonly maxDrawdownPct: number
  readonly sharpe: number | null
  readonly sortino: number | null
  readonly profitFactor: number | null
  readonly exposurePct: number
}

const DAY_MS = 86_400_000

/**
 * Every strategy's trading record during a replay, in flat arrays indexed by actor (12,000
 * strategies × 5,760 bars is 69 M marks: no object per mark). Fills drive entries and round trips;
 * every bar close (or print) of a symbol marks its strategies' equity — capital + realized −
 * fees + unrealized — for drawdown, exposure and the daily closes the Sharpe and Sortino ratios use.
 */
export class StrategyLedger {
  private readonly entries: Int32Array
  private readonly trips: Int32Array
  private readonly wins: Int32Array
  private readonly grossWin: Float64Array
  private readonly grossLoss: Float64Array
  /** Realized − fees when the open trip began. */
  private readonly tripStart: Float64Array
  private readonly peak: Float64Array
  private readonly maxDd: Float64Array
  private readonly barsIn: Int32Array
  private readonly equity: Float64Array
  /** Capital + realized − fees, position and average price, kept from fills: marks read flat arrays, not actors' states. */
  private readonly base: Float64Array
  private readonly pos: Float64Array
  private readonly avg: Float64Array
  private readonly daily: number[][]
  private readonly bySymbol = new Map<string, { actors: number[]; bars: number; day: number; first: number; last: number }>()

  constructor(
    private readonly actors: readonly StrategyActor[],
    private readonly capital: Float64Array,
  ) {
    const n = actors.length
    this.entries = new Int32Array(n)
    this.trips = new Int32Array(n)
    this.wins = new Int32Array(n)
    this.grossWin = new Float64Array(n)
    this.grossLoss = new Float64Array(n)
    this.tripStart = new Float64Array(n)
    this.peak = Float64Array.from(capital)
    this.maxDd = new Float64Array(n)
    this.barsIn = new Int32Array(n)
    this.equity = Float64Array.from(capital)
    this.base = Float64Array.from(capital)
    this.pos = new Float64Array(n)
    this.avg = new Float64Array(n)
    this.daily = actors.map((_, i) => [capital[i]!])
    actors.forEach((a, i) => {
      let s = this.bySymbol.get(a.symbol)
      if (s === undefined) this.bySymbol.set(a.symbol, (s = { actors: [], bars: 0, day: Number.NaN, first: Number.NaN, last: Number.NaN }))
      s.actors.push(i)
    })
  }

  /** A fill moved actor `i` from `before` to `after`: an entry opens a trip, going flat or reversing closes it. */
  onFill(i: number, before: ActorState, after: ActorState): void {
    this.base[i] = this.capital[i]! + after.realizedPnl - after.fees
    this.pos[i] = after.position
    this.avg[i] = after.avgPrice
    const b = before.position
    const a = after.position
    if (b !== 0 && (a === 0 || Math.sign(a) !== Math.sign(b))) {
      const pnl = after.realizedPnl - after.fees - this.tripStart[i]!
      this.trips[i]!++
      if (pnl > 0) {
        this.wins[i]!++
        this.grossWin[i]! += pnl
      } else this.grossLoss[i]! -= pnl
    }
    if (a !== 0 && (b === 0 || Math.sign(a) !== Math.sign(b))) {
      this.entries[i]!++
      // A reversal's fill belongs to the trip it closes; the new trip starts after it.
      this.tripStart[i] = b === 0 ? before.realizedPnl - before.fees : after.realizedPnl - after.fees
    }
  }

  /** A bar of `symbol` closed at `price` (or a print traded): every strategy on it is marked. */
  mark(symbol: string, price: number, ts: number): void {
    const s = this.bySymbol.get(symbol)
    if (s === undefined) return
    const day = Math.floor(ts / DAY_MS)
    const newDay = !Number.isNaN(s.day) && day !== s.day
    if (Number.isNaN(s.day)) s.first = day
    s.day = day
    s.bars++
    s.last = price
    const { base, pos, avg, equity, peak, maxDd, barsIn, daily } = this
    const list = s.actors
    for (let k = 0; k < list.length; k++) {
      const i = list[k]!
      // The previous mark was the day's close.
      if (newDay) daily[i]!.push(equity[i]!)
      const q = pos[i]!
      const e = q === 0 ? base[i]! : base[i]! + q * (price - avg[i]!)
      equity[i] = e
      if (e > peak[i]!) peak[i] = e
      else if (peak[i]! > 0) {
        const dd = (peak[i]! - e) / peak[i]!
        if (dd > maxDd[i]!) maxDd[i] = dd
      }
      if (q !== 0) barsIn[i]!++
    }
  }

  /** Actor `i`'s figures now; the last mark closes the last day. */
  figures(i: number): StrategyFigures {
    const st = this.actors[i]!.state
    const s = this.bySymbol.get(this.actors[i]!.symbol)!
    const last = Number.isNaN(s.last) ? st.avgPrice : s.last
    const netPnl = st.realizedPnl - st.fees + (st.position === 0 ? 0 : st.position * (last - st.avgPrice))
    const days = [...this.daily[i]!, this.capital[i]! + netPnl]
    const r = returnsOf(days)
    const trips = this.trips[i]!
    return {
      entries: this.entries[i]!,
      roundTrips: trips,
      winRate: trips === 0 ? null : this.wins[i]! / trips,
      netPnl,
      returnPct: (netPnl / this.capital[i]!) * 100,
      fees: st.fees,
      maxDrawdownPct: this.maxDd[i]! * 100,
      sharpe: sharpe(r),
      sortino: sortino(r),
      profitFactor: trips === 0 ? null : profitFactor(this.grossWin[i]!, this.grossLoss[i]!),
      exposurePct: s.bars === 0 ? 0 : (this.barsIn[i]! / s.bars) * 100,
    }
  }

  /**
   * Actor `i`'s equity at each day's close (UTC days), from the capital before its first day to its
   * equity now: the curve a report draws for the best strategies.
   */
  dailyCurve(i: number): { ts: number[]; equity: number[] } {
    const s = this.bySymbol.get(this.actors[i]!.symbol)!
    const closes = [...this.daily[i]!, this.equity[i]!]
    const first = Number.isNaN(s.first) ? 0 : s.first
    // daily[0] is the capital at the start; daily[k] the close of day first + k − 1; the last value is now.
    return { ts: closes.map((_, k) => (first + Math.max(0, k - 1)) * DAY_MS + (k === 0 ? 0 : DAY_MS - 1)), equity: closes }
  }

  /** Bars (or prints) marked on `symbol`. */
  barsOf(symbol: string): number {
    return this.bySymbol.get(symbol)?.bars ?? 0
  }
}
