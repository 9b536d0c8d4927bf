import { costsOf, slippageBps, unfilledShare, type AlgoName, type ExecutionReport } from '../domain/execution-report.ts'
import { LatencyHistogram } from './latency-histogram.ts'
import { SignedHistogram } from './signed-histogram.ts'

const r3 = (x: number) => Number(x.toFixed(3))

/**
 * Execution quality across all the work an algorithm did. The headline is total cost (`costBps`:
 * slippage of the average fill against the arrival mid plus fees, bps of filled notional — positive =
 * paid); slippage and fees apart; the unfilled remainder's opportunity cost (the mid's move against
 * us by the end of the work) and Perold's whole shortfall; maker share, fill rate, time to fill,
 * amendments. Constant memory: percentiles come from HdrHistograms, so 100k works a round cost
 * nothing to keep.
 */
export class ExecutionMetrics {
  private readonly slippage = new SignedHistogram()
  private readonly cost = new SignedHistogram()
  private readonly feeBps = new SignedHistogram()
  private readonly opportunity = new SignedHistogram()
  private readonly shortfall = new SignedHistogram()
  private readonly ttf = new LatencyHistogram()
  private requested = 0
  private filled = 0
  private maker = 0
  private fees = 0
  private amendments = 0
  private unfilledWorks = 0
  works = 0
  /** Reports not yet taken by `drain` (for the store). */
  private pending: ExecutionReport[] = []

  constructor(readonly algo: AlgoName) {}

  /** Slippage against the arrival mid in bps; positive = worse than the mid. */
  static slippageBps = slippageBps

  /** Takes the reports recorded since the last call. */
  drain(): ExecutionReport[] {
    const out = this.pending
    this.pending = []
    return out
  }

  record(r: ExecutionReport): void {
    this.pending.push(r)
    this.works++
    this.requested += r.requested
    this.filled += r.filled
    this.maker += r.makerAmount
    this.fees += r.fees
    this.amendments += r.amendments
    if (unfilledShare(r) > 1e-9) this.unfilledWorks++
    const c = costsOf(r)
    add(this.slippage, c.slippage)
    add(this.cost, c.cost)
    add(this.feeBps, c.fees)
    add(this.opportunity, c.opportunity)
    add(this.shortfall, c.shortfall)
    if (r.timeToFillMs !== null) this.ttf.record(r.timeToFillMs)
  }

  /** Mean total cost so far (bps), for the stats row; null before any fill. */
  costAvg(): number | null {
    return this.cost.count === 0 ? null : r3(this.cost.mean())
  }

  summary() {
    return {
      algo: this.algo,
      works: this.works,
      costBps: this.cost.summary(),
      slippageBps: this.slippage.summary(),
      feesBps: r3(this.feeBps.mean()),
      opportunityBps: { ...this.opportunity.summary(), works: this.unfilledWorks },
      shortfallBps: this.shortfall.summary(),
      makerShare: r3(this.filled > 0 ? this.maker / this.filled : 0),
      fees: r3(this.fees),
      fillRate: r3(this.requested > 0 ? this.filled / this.requested : 0),
      timeToFillMs: { p50: r3(this.ttf.percentile(50)), p95: r3(this.ttf.percentile(95)) },
      amendments: this.amendments,
    }
  }
}

/** (Module level, not a closure per report: under tsx every named closure costs a defineProperty.) */
function add(h: SignedHistogram, x: number | null): void {
  if (x !== null && Number.isFinite(x)) h.record(x)
}
