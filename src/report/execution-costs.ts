import type { Kysely } from 'kysely'
import { costsOf, unfilledShare, type AlgoName, type ExecutionReport } from '../domain/execution-report.ts'
import type { Database } from '../store/schema.ts'

/** Execution quality of one algorithm (on one symbol, or all), from the `executions` table. Costs in bps, positive = paid. */
export interface ExecutionCostRow {
  algo: string
  symbol: string
  works: number
  fillRate: number
  makerShare: number
  /** Slippage of the average fill against the arrival mid + fees, bps of filled notional (mean over works with fills). */
  costAvg: number | null
  costP50: number | null
  costP95: number | null
  slippageAvg: number | null
  feesAvg: number | null
  /** Works that left part undone, and the mid's mean move against them by the end (bps). */
  unfilledWorks: number
  opportunityAvg: number | null
  /** Perold's whole shortfall, bps of the paper notional. */
  shortfallAvg: number | null
  timeToFillP50Ms: number | null
}

const r3 = (x: number | null) => (x === null ? null : Number(x.toFixed(3)))
const mean = (xs: number[]) => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length)
const pct = (sorted: number[], p: number) => (sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!)

/**
 * Total cost per algorithm (and per symbol with `bySymbol`), recomputed from each row's arrival mid,
 * average price, fees and end mid — so rows written before the cost columns existed report too.
 */
export async function executionCosts(db: Kysely<Database>, f: { runId?: string; bySymbol?: boolean } = {}): Promise<ExecutionCostRow[]> {
  let q = db.selectFrom('executions').selectAll()
  if (f.runId !== undefined) q = q.where('run_id', '=', f.runId)
  const rows = (await q.execute()) as unknown as Record<string, unknown>[]
  const groups = new Map<string, ExecutionReport[]>()
  for (const r of rows) {
    const report: ExecutionReport = {
      algo: String(r.algo) as AlgoName,
      side: r.side === 'sell' ? 'sell' : 'buy',
      requested: Number(r.requested),
      filled: Number(r.filled),
      arrivalMid: Number(r.arrival_mid),
      endMid: r.end_mid === undefined || r.end_mid === null ? null : Number(r.end_mid),
      avgPrice: r.avg_price === null ? null : Number(r.avg_price),
      makerAmount: Number(r.maker_amount),
      takerAmount: Number(r.taker_amount),
      fees: Number(r.fees),
      timeToFillMs: r.time_to_fill_ms === null ? null : Number(r.time_to_fill_ms),
      amendments: Number(r.amendments),
      symbol: String(r.symbol),
    }
    const key = `${report.algo}\u0000${f.bySymbol ? report.symbol : '*'}`
    let g = groups.get(key)
    if (g === undefined) groups.set(key, (g = []))
    g.push(report)
  }
  const out: ExecutionCostRow[] = []
  for (const [key, rs] of groups) {
    const [algo, symbol] = key.split('\u0000') as [string, string]
    const figures = rs.map(costsOf)
    const known = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null && Number.isFinite(x))
    const values = (k: keyof ReturnType<typeof costsOf>) => known(figures.map((f) => f[k]))
    const costs = values('cost').sort((a, b) => a - b)
    const requested = rs.reduce((a, r) => a + r.requested, 0)
    const filled = rs.reduce((a, r) => a + r.filled, 0)
    out.push({
      algo,
      symbol,
      works: rs.length,
      fillRate: r3(requested > 0 ? filled / requested : 0)!,
      makerShare: r3(filled > 0 ? rs.reduce((a, r) => a + r.makerAmount, 0) / filled : 0)!,
      costAvg: r3(mean(costs)),
      costP50: r3(pct(costs, 50)),
      costP95: r3(pct(costs, 95)),
      slippageAvg: r3(mean(values('slippage'))),
      feesAvg: r3(mean(values('fees'))),
      unfilledWorks: rs.filter((r) => unfilledShare(r) > 1e-9).length,
      opportunityAvg: r3(mean(values('opportunity'))),
      shortfallAvg: r3(mean(values('shortfall'))),
      timeToFillP50Ms: r3(
        pct(
          known(rs.map((r) => r.timeToFillMs)).sort((a, b) => a - b),
          50,
        ),
      ),
    })
  }
  return out.sort((a, b) => a.algo.localeCompare(b.algo) || a.symbol.localeCompare(b.symbol))
}
