import type { Kysely } from 'kysely'
import { applyFill, type PositionFigures } from '../../actors/position.ts'
import { costsOf, type ExecutionReport } from '../domain/execution-report.ts'
import type { BlockState, StoredEvent } from '../domain/netting.ts'
import type { Order, OrderStatus } from '../domain/order.ts'
import { insertRows, unnestRows } from './bulk-insert.ts'
import type { StoreConnection } from './database.ts'
import { eventRows, type EventRows } from './event-rows.ts'
import { migrateToLatest } from './migrations.ts'
import type { BacktestResultsTable, Database, ExecutionsTable, OrdersTable, PositionsTable } from './schema.ts'
import { ALLOCATIONS, ALLOCATOR_WEIGHTS, BACKTEST_RESULTS, BLOCKS, EXECUTIONS, FILLS, ORDER_EVENTS, ORDERS, POSITIONS, type TableSpec } from './tables.ts'

export interface WriteResult {
  readonly orders: number
  readonly fills: number
}

export interface PositionRow {
  readonly strategyId: string
  readonly symbol: string
  readonly position: number
  readonly avgPrice: number
  readonly realizedPnl: number
  readonly fees: number
  readonly markPrice?: number
  readonly unrealizedPnl?: number
  readonly equity?: number
  readonly drawdown?: number
}

/** A strategy's figures recomputed from its stored fills. */
export interface StoredPosition extends PositionFigures {
  readonly fees: number
}

/** A netting block as stored: its last state, each child's allocations so far (by order id), and the house's amount. */
export interface StoredBlock {
  readonly state: BlockState
  readonly allocated: Map<string, { amount: number; fee: number }>
  house: number
}

/** Where a run came from: the venue account it trades on, and the earlier run on that account it carries on. */
export interface RunOrigin {
  readonly exchange?: string | null
  readonly resumes?: string | null
  /** live (default) or backtest. */
  readonly kind?: 'live' | 'backtest'
}

/**
 * Writes batches of order events: one transaction per batch, every event appended to
 * `order_events`, the latest state of every order upserted once, fills inserted idempotently (a
 * replayed fill is ignored). The same code runs on SQLite and PostgreSQL; what a table looks like
 * comes from its spec (tables.ts). Others read through the queries below, never the handle.
 */
export class OrderStore {
  /** Written so far: orders created, order rows upserted, fill rows, order events (`order_events` rows), netting desk records, batches. */
  readonly written = { orders: 0, orderUpserts: 0, fills: 0, events: 0, deskEvents: 0, batches: 0 }
  protected readonly db: Kysely<Database>
  protected seq = 0
  protected execSeq = 0
  /** Write every order event to order_events (false: orders and fills only, for backtests persisting trades). */
  eventLog = true

  constructor(
    readonly conn: StoreConnection,
    /** Every row this store writes carries this run id. */
    readonly runId: string = 'default',
  ) {
    this.db = conn.db
  }

  migrate(target?: string): Promise<string[]> {
    return migrateToLatest(this.db, target)
  }

  /** Records the run's start; event sequence numbers continue after any already stored for it. */
  async startRun(config: unknown, startedAt: number, origin: RunOrigin = {}): Promise<void> {
    await this.db
      .insertInto('runs')
      .values({
        id: this.runId,
        started_at: startedAt,
        ended_at: null,
        config: JSON.stringify(config),
        summary: null,
        exchange: origin.exchange ?? null,
        resumes: origin.resumes ?? null,
        kind: origin.kind ?? 'live',
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute()
    const row = await this.db
      .selectFrom('order_events')
      .select((eb) => eb.fn.max('seq').as('m'))
      .where('run_id', '=', this.runId)
      .executeTakeFirst()
    this.seq = Number(row?.m ?? 0)
    const ex = await this.db
      .selectFrom('executions')
      .select((eb) => eb.fn.max('seq').as('m'))
      .where('run_id', '=', this.runId)
      .executeTakeFirst()
    this.execSeq = Number(ex?.m ?? 0)
  }

  async endRun(summary: unknown, endedAt: number): Promise<void> {
    await this.db
      .updateTable('runs')
      .set({ ended_at: endedAt, summary: JSON.stringify(summary) })
      .where('id', '=', this.runId)
      .execute()
  }

  /** The latest run before this one on the venue account `exchange` (what a start on that account carries on from), or null. */
  async lastRunOn(exchange: string): Promise<string | null> {
    const r = await this.db.selectFrom('runs').select('id').where('exchange', '=', exchange).where('id', '!=', this.runId).orderBy('started_at', 'desc').orderBy('id', 'desc').executeTakeFirst()
    return r?.id ?? null
  }

  /** This run and the runs it carries on from, newest first (the chain of `resumes`). */
  async lineage(): Promise<string[]> {
    const out = [this.runId]
    const seen = new Set(out)
    for (;;) {
      const r = await this.db
        .selectFrom('runs')
        .select('resumes')
        .where('id', '=', out[out.length - 1]!)
        .executeTakeFirst()
      const prev = r?.resumes ?? null
      if (prev === null || seen.has(prev)) return out
      seen.add(prev)
      out.push(prev)
    }
  }

  /** Every stored order of these runs, as domain orders with the trade ids already applied to them. */
  async ordersOf(runIds: readonly string[]): Promise<Order[]> {
    if (runIds.length === 0) return []
    const [rows, fills] = await Promise.all([
      this.db.selectFrom('orders').selectAll().where('run_id', 'in', runIds).execute(),
      this.db.selectFrom('fills').select(['order_id', 'trade_id']).where('run_id', 'in', runIds).orderBy('ts').orderBy('trade_id').execute(),
    ])
    const tradeIds = new Map<string, string[]>()
    for (const f of fills) (tradeIds.get(f.order_id) ?? tradeIds.set(f.order_id, []).get(f.order_id)!).push(f.trade_id)
    return rows.map((r) => orderOf(r, tradeIds.get(r.id) ?? []))
  }

  /** Each strategy's position, average price, realized PnL and fees, recomputed from the fills of these runs. */
  async positionsOf(runIds: readonly string[]): Promise<Map<string, StoredPosition>> {
    const out = new Map<string, StoredPosition>()
    if (runIds.length === 0) return out
    const fills = await this.db
      .selectFrom('fills')
      .select(['strategy_id', 'side', 'price', 'amount', 'fee'])
      .where('run_id', 'in', runIds)
      .orderBy('strategy_id')
      .orderBy('ts')
      .orderBy('trade_id')
      .execute()
    for (const f of fills) {
      const p = out.get(f.strategy_id) ?? { position: 0, avgPrice: 0, realizedPnl: 0, fees: 0 }
      out.set(f.strategy_id, { ...applyFill(p, f.side as Order['side'], f.price, f.amount), fees: p.fees + f.fee })
    }
    return out
  }

  /** The netting blocks of these runs at their stored state, with what each child (by order id) and the house were allocated from them. */
  async blocksOf(runIds: readonly string[]): Promise<StoredBlock[]> {
    if (runIds.length === 0) return []
    const [blocks, allocs] = await Promise.all([
      this.db.selectFrom('blocks').selectAll().where('run_id', 'in', runIds).execute(),
      this.db.selectFrom('allocations').select(['block_id', 'order_id', 'kind', 'amount', 'fee']).where('run_id', 'in', runIds).where('block_id', 'is not', null).execute(),
    ])
    const byBlock = new Map<string, StoredBlock>()
    for (const b of blocks)
      byBlock.set(b.id, {
        state: {
          id: b.id,
          symbol: b.symbol,
          side: b.side as BlockState['side'],
          amount: b.amount,
          filled: b.filled,
          avgPrice: b.avg_price,
          status: b.status as BlockState['status'],
          reason: b.reason,
          createdAt: b.created_at,
          closedAt: b.closed_at,
          children: JSON.parse(b.children) as BlockState['children'],
        },
        allocated: new Map(),
        house: 0,
      })
    for (const a of allocs) {
      const b = byBlock.get(a.block_id!)
      if (b === undefined) continue
      if (a.kind === 'house') b.house += a.amount
      else if (a.order_id !== null) {
        const got = b.allocated.get(a.order_id) ?? { amount: 0, fee: 0 }
        b.allocated.set(a.order_id, { amount: got.amount + a.amount, fee: got.fee + a.fee })
      }
    }
    return [...byBlock.values()]
  }

  async write(batch: readonly StoredEvent[]): Promise<WriteResult> {
    const rows = eventRows(batch, this.runId, this.seq, this.eventLog)
    await this.writeRows(rows)
    // Only after the commit: a failed batch is retried whole, with the same sequence numbers.
    this.committed(rows.events.length, batch.length - rows.events.length, rows.created, rows.orders.length, rows.fills.length)
    return { orders: rows.orders.length, fills: rows.fills.length }
  }

  /** Counts a committed batch; only order events take sequence numbers (desk records have none). */
  protected committed(events: number, deskEvents: number, created: number, orders: number, fills: number): void {
    this.seq += events
    this.written.deskEvents += deskEvents
    this.written.orders += created
    this.written.orderUpserts += orders
    this.written.fills += fills
    this.written.events += events
    this.written.batches++
  }

  /** The three writes of a batch in one transaction; PostgreSQL takes each table as one unnest insert. */
  private writeRows(rows: EventRows): Promise<void> {
    return this.inTransaction([
      [ORDER_EVENTS, rows.events],
      [ORDERS, rows.orders],
      [FILLS, rows.fills],
      [BLOCKS, rows.blocks],
      [ALLOCATIONS, rows.allocations],
    ])
  }

  /** A backtest's leaderboard rows (one per strategy and window), in one transaction. */
  async writeResults(rows: readonly BacktestResultsTable[]): Promise<void> {
    await this.inTransaction([[BACKTEST_RESULTS, rows]])
  }

  private inTransaction(writes: readonly (readonly [TableSpec, readonly object[]])[]): Promise<void> {
    const pg = this.conn.dialect === 'postgres'
    return this.db.transaction().execute(async (trx) => {
      for (const [spec, rows] of writes) {
        if (rows.length === 0) continue
        const r = rows as Record<string, unknown>[]
        if (pg) await unnestRows(trx, spec, r)
        else await insertRows(trx, spec, r, this.conn.maxParams)
      }
    })
  }

  /** Execution reports as table rows, numbered on from the run's last. */
  protected executionRows(reports: readonly ExecutionReport[]): ExecutionsTable[] {
    return reports.map((r) => {
      const c = costsOf(r)
      return {
        run_id: this.runId,
        seq: ++this.execSeq,
        strategy_id: r.strategyId ?? '',
        symbol: r.symbol ?? '',
        algo: r.algo,
        side: r.side,
        requested: r.requested,
        filled: r.filled,
        arrival_mid: r.arrivalMid,
        avg_price: r.avgPrice,
        slippage_bps: c.slippage,
        maker_amount: r.makerAmount,
        taker_amount: r.takerAmount,
        fees: r.fees,
        time_to_fill_ms: r.timeToFillMs,
        amendments: r.amendments,
        ts: r.ts ?? 0,
        end_mid: r.endMid ?? null,
        cost_bps: c.cost,
        opportunity_bps: c.opportunity,
        shortfall_bps: c.shortfall,
      }
    })
  }

  /** Stores one operator control action (the `controls` table). */
  async writeControl(c: { ts: number; who: string; action: string; scope: string; id: string | null; state: unknown }): Promise<void> {
    await this.db
      .insertInto('controls')
      .values({ run_id: this.runId, ts: c.ts, who: c.who, action: c.action, scope: c.scope, target: c.id, state: JSON.stringify(c.state) })
      .execute()
  }

  /** Stores execution reports (one row per piece of work of an algorithm). */
  async writeExecutions(reports: readonly ExecutionReport[]): Promise<void> {
    if (reports.length === 0) return
    await this.inTransaction([[EXECUTIONS, this.executionRows(reports)]])
  }

  /** Stores the capital allocator's weights that moved (its time series). */
  async writeWeights(rows: readonly { strategyId: string; ts: number; weight: number; updates: number }[]): Promise<void> {
    if (rows.length === 0) return
    await this.inTransaction([[ALLOCATOR_WEIGHTS, rows.map((r) => ({ run_id: this.runId, strategy_id: r.strategyId, ts: r.ts, weight: r.weight, updates: r.updates }))]])
  }

  /** Records every strategy's position at `ts` (`kind`: 'interval' or 'stop'). */
  async writePositions(rows: readonly PositionRow[], ts: number, kind: 'interval' | 'stop'): Promise<void> {
    const values: PositionsTable[] = rows.map((r) => ({
      run_id: this.runId,
      strategy_id: r.strategyId,
      ts,
      kind,
      symbol: r.symbol,
      position: r.position,
      avg_price: r.avgPrice,
      realized_pnl: r.realizedPnl,
      fees: r.fees,
      mark_price: r.markPrice ?? null,
      unrealized_pnl: r.unrealizedPnl ?? null,
      equity: r.equity !== undefined && Number.isFinite(r.equity) ? r.equity : null,
      drawdown: r.drawdown ?? null,
    }))
    await this.inTransaction([[POSITIONS, values]])
  }

  close(): Promise<void> {
    return this.db.destroy()
  }
}

const orderOf = (r: OrdersTable, tradeIds: string[]): Order => ({
  id: r.id,
  exchangeId: r.exchange_id,
  strategyId: r.strategy_id,
  actor: -1,
  symbol: r.symbol,
  side: r.side as Order['side'],
  type: r.type as Order['type'],
  amount: r.amount,
  price: r.price,
  status: r.status as OrderStatus,
  filled: r.filled,
  avgPrice: r.avg_price,
  fee: r.fee,
  tradeIds,
  createdAt: r.created_at,
  closedAt: r.closed_at,
  reason: r.reason,
})
