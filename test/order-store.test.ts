import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { newOrder, type Fill, type OrderEvent } from '../src/domain/order.ts'
import { evolveOrder } from '../src/domain/order-state.ts'
import { openStore, redactUrl, type StoreConnection } from '../src/store/database.ts'
import { OrderStore } from '../src/store/order-store.ts'
import { TABLES } from '../src/store/tables.ts'
import { sql } from 'kysely'
import { SqliteWorkerStore } from '../src/store/sqlite-worker-store.ts'
import { newPgDatabase } from './support/pg.ts'

const dir = mkdtempSync(join(tmpdir(), 'shoal-store-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let n = 0
const newPg = async (): Promise<StoreConnection> => openStore(await newPgDatabase('shoal_test'))

/**
 * Every way rows reach a database, on a fresh, empty one each time: kysely on SQLite, the SQLite
 * writer thread, kysely on PostgreSQL. The suite below is their contract.
 */
const KINDS: Record<string, { open: () => Promise<StoreConnection>; store: (c: StoreConnection, runId: string) => OrderStore }> = {
  sqlite: { open: () => openStore(join(dir, `db${++n}.sqlite`)), store: (c, r) => new OrderStore(c, r) },
  'sqlite writer thread': { open: () => openStore(join(dir, `db${++n}.sqlite`)), store: (c, r) => new SqliteWorkerStore(c, r, c.target) },
  postgres: { open: newPg, store: (c, r) => new OrderStore(c, r) },
}

function lifecycle(id: string, n: number): OrderEvent[] {
  const o = newOrder({ id, strategyId: `s-${id}`, actor: 0, symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: n, price: null }, 1_000)
  const events: OrderEvent[] = [{ type: 'OrderSubmitted', ts: 1_000, order: o, fill: null, reason: null }]
  let cur = o
  for (let i = 0; i < n; i++) {
    const fill: Fill = { tradeId: `${id}-t${i}`, orderId: id, price: 100 + i, amount: 1, fee: 0.05, liquidity: 'taker', ts: 1_100 + i }
    cur = evolveOrder(cur, { type: 'OrderFilled', ts: fill.ts, fill }).order
    events.push({ type: 'OrderFilled', ts: fill.ts, order: cur, fill, reason: null })
  }
  return events
}

for (const [dialect, kind] of Object.entries(KINDS)) {
  const open = async (runId: string) => kind.store(await kind.open(), runId)
  describe(`OrderStore on ${dialect}`, () => {
    it('migrates an empty database, then writes each order once at its latest state, with its fills and every event', async () => {
      const store = await open('r1')
      expect(await store.migrate()).toEqual([
        '001_orders_fills',
        '002_runs_events_positions',
        '003_position_marks',
        '004_executions',
        '005_run_lineage',
        '006_netting',
        '007_backtests',
        '008_execution_cost',
        '009_controls',
        '010_allocator_weights',
      ])
      expect(await store.migrate()).toEqual([])
      await store.startRun({ strategies: 2 }, 500)
      const events = [...lifecycle('a', 3), ...lifecycle('b', 1)]
      expect(await store.write(events)).toEqual({ orders: 2, fills: 4 })
      await store.endRun({ ok: true }, 2_000)
      const db = store.conn.db
      expect(await db.selectFrom('orders').select(['id', 'run_id', 'status', 'filled', 'avg_price', 'created_at', 'closed_at']).orderBy('id').execute()).toEqual([
        { id: 'a', run_id: 'r1', status: 'filled', filled: 3, avg_price: 101, created_at: 1_000, closed_at: 1_102 },
        { id: 'b', run_id: 'r1', status: 'filled', filled: 1, avg_price: 100, created_at: 1_000, closed_at: 1_100 },
      ])
      const fills = await db
        .selectFrom('fills')
        .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('amount').as('a')])
        .executeTakeFirstOrThrow()
      expect([Number(fills.n), Number(fills.a)]).toEqual([4, 4])
      const log = await db.selectFrom('order_events').select(['seq', 'order_id', 'type', 'data']).orderBy('seq').execute()
      expect(log.map((r) => `${r.seq}:${r.order_id}:${r.type}`)).toEqual(['1:a:OrderSubmitted', '2:a:OrderFilled', '3:a:OrderFilled', '4:a:OrderFilled', '5:b:OrderSubmitted', '6:b:OrderFilled'])
      expect(JSON.parse(log[3]!.data)).toMatchObject({ status: 'filled', filled: 3, fill: { tradeId: 'a-t2', price: 102 } })
      const run = await db.selectFrom('runs').selectAll().executeTakeFirstOrThrow()
      expect(run).toMatchObject({ id: 'r1', started_at: 500, ended_at: 2_000 })
      expect(JSON.parse(run.summary!)).toEqual({ ok: true })
      await store.close()
    })

    it('upserts an order across batches and ignores a replayed fill', async () => {
      const store = await open('r2')
      await store.migrate()
      await store.startRun({}, 0)
      const ev = lifecycle('c', 2)
      await store.write(ev.slice(0, 2))
      await store.write(ev.slice(1))
      await store.write(ev.slice(1))
      expect(await store.conn.db.selectFrom('orders').select(['status', 'filled']).execute()).toEqual([{ status: 'filled', filled: 2 }])
      const f = await store.conn.db
        .selectFrom('fills')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
      expect(Number(f.n)).toBe(2)
      await store.close()
    })

    it('writes batches larger than one statement can carry (chunked under the parameter limit)', async () => {
      const store = await open('r3')
      await store.migrate()
      await store.startRun({}, 0)
      await store.write(Array.from({ length: 6_000 }, (_, i) => lifecycle(`o${i}`, 1)).flat())
      const count = async (t: 'orders' | 'fills' | 'order_events') =>
        Number(
          (
            await store.conn.db
              .selectFrom(t)
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        )
      expect([await count('orders'), await count('fills'), await count('order_events')]).toEqual([6_000, 6_000, 12_000])
      await store.close()
    })

    it('continues the event sequence when a run is resumed, and records positions', async () => {
      const conn = await kind.open()
      const store = kind.store(conn, 'r4')
      await store.migrate()
      await store.startRun({}, 0)
      await store.write(lifecycle('x', 1))
      const again = kind.store(await kind.open().then(async (other) => (await other.db.destroy(), conn)), 'r4')
      await again.startRun({}, 0)
      await again.write(lifecycle('y', 1))
      const seqs = await store.conn.db.selectFrom('order_events').select('seq').orderBy('seq').execute()
      expect(seqs.map((r) => r.seq)).toEqual([1, 2, 3, 4])
      const report = { algo: 'chase' as const, side: 'buy' as const, requested: 1, filled: 1, arrivalMid: 100, avgPrice: 100, makerAmount: 1, takerAmount: 0, fees: 0, timeToFillMs: 5, amendments: 1 }
      await store.writeExecutions([report])
      const third = kind.store(conn, 'r4')
      await third.startRun({}, 0)
      await third.writeExecutions([report])
      expect((await store.conn.db.selectFrom('executions').select('seq').orderBy('seq').execute()).map((r) => r.seq)).toEqual([1, 2])
      await store.writePositions([{ strategyId: 's1', symbol: 'BTC/USDT', position: 1.5, avgPrice: 100, realizedPnl: 3, fees: 0.1 }], 5_000, 'stop')
      expect(await store.conn.db.selectFrom('positions').selectAll().execute()).toEqual([
        {
          run_id: 'r4',
          strategy_id: 's1',
          ts: 5_000,
          kind: 'stop',
          symbol: 'BTC/USDT',
          position: 1.5,
          avg_price: 100,
          realized_pnl: 3,
          fees: 0.1,
          mark_price: null,
          unrealized_pnl: null,
          equity: null,
          drawdown: null,
        },
      ])
      await store.close()
    })

    it('has exactly the columns the table specs name, with their nullability (the specs drive every writer)', async () => {
      const store = await open('spec')
      await store.migrate()
      const db = store.conn.db
      for (const spec of Object.values(TABLES)) {
        const live =
          store.conn.dialect === 'postgres'
            ? (await sql<{ name: string; nullable: string }>`select column_name as name, is_nullable as nullable from information_schema.columns where table_name = ${spec.name}`.execute(db)).rows.map(
                (r) => [r.name, r.nullable === 'YES'],
              )
            : (await sql<{ name: string; notnull: number; pk: number }>`select name, "notnull", pk from pragma_table_info(${spec.name})`.execute(db)).rows.map((r) => [
                r.name,
                r.notnull === 0 && r.pk === 0,
              ])
        const specified = spec.columns.map(([name, , nullable]) => [name, nullable === 'null'])
        expect(new Map(live as [string, boolean][]), spec.name).toEqual(new Map(specified as [string, boolean][]))
      }
      await store.close()
    })

    it("carries a run on from the last run on the same account: its orders and positions, no other run's", async () => {
      const conn = await kind.open()
      const first = kind.store(conn, 'acct-1')
      await first.migrate()
      await first.startRun({}, 1_000, { exchange: 'binance:A' })
      await first.write([...lifecycle('p', 2), ...lifecycle('q', 1)])
      const other = kind.store(conn, 'acct-other')
      await other.startRun({}, 2_000, { exchange: 'binance:B' })
      await other.write(lifecycle('z', 3))
      const next = kind.store(conn, 'acct-2')
      expect(await next.lastRunOn('binance:A')).toBe('acct-1')
      expect(await next.lastRunOn('binance:C')).toBeNull()
      await next.startRun({}, 3_000, { exchange: 'binance:A', resumes: 'acct-1' })
      await next.write(lifecycle('r', 1))
      const third = kind.store(conn, 'acct-3')
      await third.startRun({}, 4_000, { exchange: 'binance:A', resumes: await third.lastRunOn('binance:A') })
      const lineage = await third.lineage()
      expect(lineage).toEqual(['acct-3', 'acct-2', 'acct-1'])
      const orders = await third.ordersOf(lineage)
      expect(orders.map((o) => `${o.id}:${o.status}:${o.tradeIds.join('+')}`).sort()).toEqual(['p:filled:p-t0+p-t1', 'q:filled:q-t0', 'r:filled:r-t0'])
      const positions = await third.positionsOf(lineage)
      // p bought 1 @100 and 1 @101; z (another account) is not ours.
      expect(positions.get('s-p')).toEqual({ position: 2, avgPrice: 100.5, realizedPnl: 0, fees: 0.1 })
      expect([...positions.keys()].sort()).toEqual(['s-p', 's-q', 's-r'])
      await third.close()
    })

    it("migrates a database that has the core engine's v1 schema and data", async () => {
      const store = await open('r5')
      expect(await store.migrate('001_orders_fills')).toEqual(['001_orders_fills'])
      await store.conn.db
        .insertInto('orders')
        .values({
          id: 'old',
          strategy_id: 's',
          symbol: 'BTC/USDT',
          side: 'buy',
          type: 'market',
          amount: 1,
          price: null,
          status: 'filled',
          filled: 1,
          avg_price: 10,
          fee: 0,
          reason: null,
          created_at: 1,
          closed_at: 2,
          updated_at: 2,
          exchange_id: null,
        } as never)
        .execute()
      expect(await store.migrate()).toEqual([
        '002_runs_events_positions',
        '003_position_marks',
        '004_executions',
        '005_run_lineage',
        '006_netting',
        '007_backtests',
        '008_execution_cost',
        '009_controls',
        '010_allocator_weights',
      ])
      expect(await store.conn.db.selectFrom('orders').select(['id', 'run_id', 'filled']).execute()).toEqual([{ id: 'old', run_id: null, filled: 1 }])
      await store.close()
    })
  })
}

describe('store errors name what is wrong', () => {
  it('a SQLite path that cannot be opened', async () => {
    await expect(openStore('/nonexistent-dir/x/y.sqlite')).rejects.toThrow(/cannot open SQLite database \/nonexistent-dir\/x\/y\.sqlite/)
  })

  it('a PostgreSQL server that is not there, without leaking the password', async () => {
    const err = await openStore('postgres://shoal:secret@127.0.0.1:9/none').catch((e: Error) => e)
    expect(String(err)).toMatch(/cannot connect to PostgreSQL at postgres:\/\/shoal:\*\*\*@127\.0\.0\.1:9\/none/)
    expect(String(err)).not.toContain('secret')
    expect(redactUrl('postgres://u:p@h/db')).toBe('postgres://u:***@h/db')
  })
})
