import type { Kysely } from 'kysely'
import type { ControlRecord } from '../http/control.ts'
import type { Database } from '../store/schema.ts'

/** One run, for lists of runs. */
export interface RunListRow {
  readonly id: string
  readonly kind: string
  readonly startedAt: number
  readonly endedAt: number | null
  readonly command: string | null
  readonly exchange: string | null
}

/** Every run in the store, newest first. */
export async function listRuns(db: Kysely<Database>): Promise<RunListRow[]> {
  const rows = await db.selectFrom('runs').select(['id', 'kind', 'started_at', 'ended_at', 'config', 'exchange']).orderBy('started_at', 'desc').orderBy('id', 'desc').execute()
  return rows.map((r) => {
    let command: string | null = null
    try {
      const c = JSON.parse(r.config) as { command?: unknown }
      command = typeof c.command === 'string' ? c.command : null
    } catch {
      // A config that is not JSON still lists.
    }
    return { id: r.id, kind: r.kind, startedAt: Number(r.started_at), endedAt: r.ended_at === null ? null : Number(r.ended_at), command, exchange: r.exchange }
  })
}

/** The stored summary of a run (null while it runs, or when it is unknown). */
export async function runSummary(db: Kysely<Database>, runId: string): Promise<Record<string, unknown> | null> {
  const r = await db.selectFrom('runs').select('summary').where('id', '=', runId).executeTakeFirst()
  if (r?.summary === null || r?.summary === undefined) return null
  return JSON.parse(r.summary) as Record<string, unknown>
}

/** A strategy's latest orders and fills in a run, newest first. */
export async function strategyActivity(db: Kysely<Database>, runId: string, strategyId: string, limit = 50) {
  const [orders, fills] = await Promise.all([
    db
      .selectFrom('orders')
      .select(['id', 'side', 'type', 'amount', 'price', 'status', 'filled', 'avg_price', 'fee', 'reason', 'created_at', 'closed_at'])
      .where('run_id', '=', runId)
      .where('strategy_id', '=', strategyId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute(),
    db
      .selectFrom('fills')
      .select(['trade_id', 'order_id', 'side', 'price', 'amount', 'fee', 'liquidity', 'ts'])
      .where('run_id', '=', runId)
      .where('strategy_id', '=', strategyId)
      .orderBy('ts', 'desc')
      .orderBy('trade_id', 'desc')
      .limit(limit)
      .execute(),
  ])
  const num = (x: unknown) => (x === null ? null : Number(x))
  return {
    orders: orders.map((o) => ({ ...o, created_at: Number(o.created_at), closed_at: num(o.closed_at) })),
    fills: fills.map((f) => ({ ...f, ts: Number(f.ts) })),
  }
}

/** A strategy's equity and drawdown over a run, from its stored position snapshots. */
export async function equityCurve(db: Kysely<Database>, runId: string, strategyId: string): Promise<{ ts: number; equity: number; drawdown: number | null }[]> {
  const rows = await db
    .selectFrom('positions')
    .select(['ts', 'equity', 'drawdown'])
    .where('run_id', '=', runId)
    .where('strategy_id', '=', strategyId)
    .where('equity', 'is not', null)
    .orderBy('ts')
    .execute()
  return rows.map((r) => ({ ts: Number(r.ts), equity: Number(r.equity), drawdown: r.drawdown === null ? null : Number(r.drawdown) }))
}

/** The control actions of a run, oldest first. */
export async function controlsOf(db: Kysely<Database>, runId: string): Promise<ControlRecord[]> {
  const rows = await db.selectFrom('controls').selectAll().where('run_id', '=', runId).orderBy('ts').execute()
  return rows.map((r) => ({
    ts: Number(r.ts),
    who: r.who,
    action: r.action as ControlRecord['action'],
    scope: r.scope as ControlRecord['scope'],
    id: r.target,
    state: JSON.parse(r.state) as ControlRecord['state'],
  }))
}
