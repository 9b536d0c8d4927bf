import type { Kysely } from 'kysely'
import { paramsOf } from '../backtest/leaderboard.ts'
import { ConfigError } from '../domain/errors.ts'
import { controlsOf, equityCurve, listRuns, runSummary, strategyActivity, type RunListRow } from '../report/run-queries.ts'
import type { Database } from '../store/schema.ts'
import type { ControlRecord } from './control.ts'
import type { DashboardSource, FeedPoint, StrategyDetail } from './dashboard-source.ts'
import { pageOf, type StrategyRow, type TableQuery } from './strategy-table.ts'

/**
 * A finished run (or a backtest) read from the store: its summary, a leaderboard — a backtest's
 * ranked results, or a live run's per-strategy figures recomputed from its fills — strategy pages
 * from stored orders, fills and position snapshots, and the controls log. Read-only.
 */
export class StoredSource implements DashboardSource {
  readonly kind = 'stored'
  private rowsCache: StrategyRow[] | null = null
  private params = new Map<string, { strategy: string; params: Record<string, unknown> }>()

  private constructor(
    private readonly db: Kysely<Database>,
    private readonly run: RunListRow,
  ) {}

  /** The run `runId`, or the newest in the store; a ConfigError when there is none. */
  static async open(db: Kysely<Database>, runId: string | undefined): Promise<StoredSource> {
    const runs = await listRuns(db)
    const run = runId === undefined ? runs[0] : runs.find((r) => r.id === runId)
    if (run === undefined) {
      throw new ConfigError('--run', runId === undefined ? 'the database holds no runs' : `no run ${runId} in the database (see /api/runs or the runs table)`)
    }
    return new StoredSource(db, run)
  }

  series(): readonly FeedPoint[] {
    return []
  }

  async summary(): Promise<Record<string, unknown>> {
    const { report: _report, ...s } = ((await runSummary(this.db, this.run.id)) ?? {}) as Record<string, unknown>
    return { ...s, kind: 'stored', runKind: this.run.kind, runId: this.run.id, command: this.run.command ?? this.run.kind, startedAt: this.run.startedAt, endedAt: this.run.endedAt }
  }

  private async rows(): Promise<StrategyRow[]> {
    if (this.rowsCache !== null) return this.rowsCache
    // The allocator's last weight of each strategy, when the run had one.
    const weights = new Map<string, number>()
    for (const w of await this.db.selectFrom('allocator_weights').select(['strategy_id', 'weight']).where('run_id', '=', this.run.id).orderBy('ts').execute())
      weights.set(w.strategy_id, Number(w.weight))
    const weightOf = (id: string) => weights.get(id) ?? null
    if (this.run.kind === 'backtest') {
      const rs = await this.db.selectFrom('backtest_results').selectAll().where('run_id', '=', this.run.id).where('window', '=', 'all').execute()
      const any = rs.length > 0 ? rs : await this.db.selectFrom('backtest_results').selectAll().where('run_id', '=', this.run.id).execute()
      this.rowsCache = any.map((r) => {
        this.params.set(r.strategy_id, { strategy: r.strategy, params: paramsOf(r.params) })
        return {
          id: r.strategy_id,
          strategy: r.strategy,
          symbol: r.symbol,
          netPnl: Number(r.net_pnl),
          returnPct: Number(r.return_pct),
          drawdownPct: Number(r.max_drawdown_pct),
          trades: Number(r.round_trips),
          position: 0,
          state: 'ENDED',
          weight: weightOf(r.strategy_id),
        }
      })
    } else {
      // Each strategy's figures as the run left them: its last position snapshot ('stop' is written for
      // every strategy at a clean stop), and its fill count.
      const [snaps, counts] = await Promise.all([
        this.db.selectFrom('positions').selectAll().where('run_id', '=', this.run.id).orderBy('ts').execute(),
        this.db
          .selectFrom('fills')
          .select((eb) => [
            'strategy_id',
            eb.fn.min('symbol').as('symbol'),
            eb.fn.countAll<number>().as('n'),
            eb.fn
              .sum<number>(
                eb
                  .case()
                  .when('side', '=', 'buy')
                  .then(eb.ref('amount'))
                  .else(eb.neg(eb.ref('amount')))
                  .end(),
              )
              .as('position'),
            eb.fn
              .sum<number>(
                eb
                  .case()
                  .when('side', '=', 'buy')
                  .then(eb.neg(eb('price', '*', eb.ref('amount'))))
                  .else(eb('price', '*', eb.ref('amount')))
                  .end(),
              )
              .as('cash'),
            eb.fn.sum<number>('fee').as('fees'),
          ])
          .where('run_id', '=', this.run.id)
          .groupBy('strategy_id')
          .execute(),
      ])
      const last = new Map<string, (typeof snaps)[number]>()
      for (const p of snaps) last.set(p.strategy_id, p)
      const fills = new Map(counts.map((c) => [c.strategy_id, Number(c.n)]))
      this.rowsCache = [...last.values()].map((p) => {
        const net = Number(p.realized_pnl) - Number(p.fees) + Number(p.unrealized_pnl ?? 0)
        const equity = p.equity === null ? null : Number(p.equity)
        const capital = equity === null ? null : equity - net
        return {
          id: p.strategy_id,
          strategy: p.strategy_id.replace(/-\d+$/, ''),
          symbol: p.symbol,
          netPnl: net,
          returnPct: capital !== null && capital > 0 && Number.isFinite(capital) ? (net / capital) * 100 : null,
          drawdownPct: p.drawdown === null ? null : Number(p.drawdown) * 100,
          trades: fills.get(p.strategy_id) ?? 0,
          position: Number(p.position),
          state: p.kind === 'stop' ? 'ENDED' : 'UNKNOWN',
          weight: weightOf(p.strategy_id),
        }
      })
      // Strategies without a snapshot (a run that did not stop cleanly): cash flow of their fills,
      // marked at their symbol's last fill price.
      const missing = counts.filter((c) => !last.has(c.strategy_id))
      const rows = this.rowsCache
      if (missing.length > 0) {
        const marks = await this.lastFillPrices()
        for (const c of missing) {
          const position = Number(c.position)
          const net = Number(c.cash) + position * (marks.get(String(c.symbol)) ?? 0) - Number(c.fees)
          rows.push({
            id: c.strategy_id,
            strategy: c.strategy_id.replace(/-\d+$/, ''),
            symbol: String(c.symbol),
            netPnl: net,
            returnPct: null,
            drawdownPct: null,
            trades: Number(c.n),
            position,
            state: 'UNKNOWN',
            weight: weightOf(c.strategy_id),
          })
        }
      }
    }
    return this.rowsCache
  }

  /** Each symbol's last fill price in this run (symbol-first look-ups use the fills' key). */
  private async lastFillPrices(): Promise<Map<string, number>> {
    const out = new Map<string, number>()
    const latest = await this.db
      .selectFrom('fills')
      .select((eb) => ['symbol', eb.fn.max('ts').as('ts')])
      .where('run_id', '=', this.run.id)
      .groupBy('symbol')
      .execute()
    for (const l of latest) {
      const r = await this.db
        .selectFrom('fills')
        .select('price')
        .where('symbol', '=', l.symbol)
        .where('run_id', '=', this.run.id)
        .where('ts', '=', l.ts as number)
        .limit(1)
        .executeTakeFirst()
      if (r !== undefined) out.set(l.symbol, Number(r.price))
    }
    return out
  }

  async strategies(q: TableQuery) {
    return pageOf(await this.rows(), q)
  }

  async strategy(id: string): Promise<StrategyDetail | null> {
    const row = (await this.rows()).find((r) => r.id === id)
    if (row === undefined) return null
    const [activity, curve] = await Promise.all([strategyActivity(this.db, this.run.id, id), equityCurve(this.db, this.run.id, id)])
    const p = this.params.get(id)
    return {
      id,
      strategy: p?.strategy ?? row.strategy,
      params: p?.params ?? {},
      symbol: row.symbol,
      figures: { netPnl: row.netPnl, returnPct: row.returnPct, drawdownPct: row.drawdownPct, trades: row.trades, position: row.position },
      state: null,
      equity: curve,
      ...activity,
    }
  }

  runs() {
    return listRuns(this.db)
  }

  /** The report `shoal backtest` stored with its summary, if this run is a backtest that made one. */
  async report(): Promise<unknown | null> {
    if (this.run.kind !== 'backtest') return null
    const s = await runSummary(this.db, this.run.id)
    return (s as { report?: unknown } | null)?.report ?? null
  }

  controls(): Promise<ControlRecord[]> {
    return controlsOf(this.db, this.run.id)
  }
}
