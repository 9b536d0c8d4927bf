import type { Kysely } from 'kysely'
import { Migrator, type Migration, type MigrationProvider } from 'kysely'

/** Schema history. Never edit a shipped migration; add the next one. */
const MIGRATIONS: Record<string, Migration> = {
  '001_orders_fills': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('orders')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('exchange_id', 'text')
        .addColumn('strategy_id', 'text', (c) => c.notNull())
        .addColumn('symbol', 'text', (c) => c.notNull())
        .addColumn('side', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('amount', 'double precision', (c) => c.notNull())
        .addColumn('price', 'double precision')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('filled', 'double precision', (c) => c.notNull())
        .addColumn('avg_price', 'double precision')
        .addColumn('fee', 'double precision', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('closed_at', 'bigint')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('orders_strategy').on('orders').columns(['strategy_id', 'created_at']).execute()
      await db.schema
        .createTable('fills')
        .addColumn('trade_id', 'text', (c) => c.notNull())
        .addColumn('order_id', 'text', (c) => c.notNull())
        .addColumn('strategy_id', 'text', (c) => c.notNull())
        .addColumn('symbol', 'text', (c) => c.notNull())
        .addColumn('side', 'text', (c) => c.notNull())
        .addColumn('price', 'double precision', (c) => c.notNull())
        .addColumn('amount', 'double precision', (c) => c.notNull())
        .addColumn('fee', 'double precision', (c) => c.notNull())
        .addColumn('liquidity', 'text', (c) => c.notNull())
        .addColumn('ts', 'bigint', (c) => c.notNull())
        // Venues number trades per symbol (Binance), so a trade id alone is not unique.
        .addPrimaryKeyConstraint('fills_pk', ['symbol', 'trade_id'])
        .execute()
      await db.schema.createIndex('fills_order').on('fills').column('order_id').execute()
      await db.schema.createIndex('fills_strategy').on('fills').columns(['strategy_id', 'ts']).execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('fills').execute()
      await db.schema.dropTable('orders').execute()
    },
  },
}

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS }

/** Brings the schema up to date; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider })
  const { error, results } = await migrator.migrateToLatest()
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown'
    throw new Error(`migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
  }
  return (results ?? []).map((r) => r.migrationName)
}

