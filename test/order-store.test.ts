import BetterSqlite3 from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { newOrder, type Fill, type OrderEvent } from '../src/domain/order'
import { evolveOrder } from '../src/domain/order-state'
import { OrderStore } from '../src/store/order-store'
import { openSqlite } from '../src/store/sqlite'

const dirs: string[] = []
const tmpDb = () => {
  const d = mkdtempSync(join(tmpdir(), 'shoal-store-'))
  dirs.push(d)
  return join(d, 'db.sqlite')
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })))

function lifecycle(id: string, n: number): OrderEvent[] {
  const o = newOrder({ id, strategyId: `s-${id}`, actor: 0, symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: n, price: null }, 1_000)
  const events: OrderEvent[] = [{ type: 'OrderSubmitted', ts: 1_000, order: o, fill: null, reason: null }]
  let cur = o
  for (let i = 0; i < n; i++) {
    const fill: Fill = { tradeId: `${id}-t${i}`, orderId: id, price: 100 + i, amount: 1, fee: 0.05, liquidity: 'taker', ts: 1_100 + i }
    const t = evolveOrder(cur, { type: 'OrderFilled', ts: fill.ts, fill })
    cur = t.order
    events.push({ type: 'OrderFilled', ts: fill.ts, order: cur, fill, reason: null })
  }
  return events
}

describe('OrderStore (SQLite)', () => {
  it('migrates an empty file, then writes each order once at its latest state, with its fills', async () => {
    const path = tmpDb()
    const store = new OrderStore(openSqlite(path))
    expect(await store.migrate()).toEqual(['001_orders_fills'])
    expect(await store.migrate()).toEqual([])
    const events = [...lifecycle('a', 3), ...lifecycle('b', 1)]
    expect(await store.write(events)).toEqual({ orders: 2, fills: 4 })
    await store.close()
    const db = new BetterSqlite3(path, { readonly: true })
    expect(db.prepare('select id, status, filled, avg_price, fee, created_at, closed_at from orders order by id').all()).toEqual([
      { id: 'a', status: 'filled', filled: 3, avg_price: 101, fee: 0.15000000000000002, created_at: 1_000, closed_at: 1_102 },
      { id: 'b', status: 'filled', filled: 1, avg_price: 100, fee: 0.05, created_at: 1_000, closed_at: 1_100 },
    ])
    expect(db.prepare('select count(*) n, sum(amount) a from fills').get()).toEqual({ n: 4, a: 4 })
    db.close()
  })

  it('upserts an order across batches and ignores a replayed fill', async () => {
    const path = tmpDb()
    const store = new OrderStore(openSqlite(path))
    await store.migrate()
    const ev = lifecycle('c', 2)
    await store.write(ev.slice(0, 2))
    await store.write(ev.slice(1))
    await store.write(ev.slice(1))
    await store.close()
    const db = new BetterSqlite3(path, { readonly: true })
    expect(db.prepare('select status, filled from orders').all()).toEqual([{ status: 'filled', filled: 2 }])
    expect(db.prepare('select count(*) n from fills').get()).toEqual({ n: 2 })
    db.close()
  })

  it('writes batches larger than one statement can carry (chunked under the parameter limit)', async () => {
    const path = tmpDb()
    const store = new OrderStore(openSqlite(path))
    await store.migrate()
    const events = Array.from({ length: 3_000 }, (_, i) => lifecycle(`o${i}`, 1)).flat()
    await store.write(events)
    await store.close()
    const db = new BetterSqlite3(path, { readonly: true })
    expect(db.prepare('select count(*) n from orders').get()).toEqual({ n: 3_000 })
    expect(db.prepare('select count(*) n from fills').get()).toEqual({ n: 3_000 })
    db.close()
  })

  it('names the file when it cannot be opened', () => {
    expect(() => openSqlite('/nonexistent-dir/x/y.sqlite')).toThrow(/cannot open SQLite database \/nonexistent-dir\/x\/y\.sqlite/)
  })
})
