import { sql, type Kysely } from 'kysely'
import type { Database } from './schema.ts'
import { conflictSql, type TableSpec } from './tables.ts'

/** Any table by name: the spec, not the static schema, says which columns a row has. */
type Tables = Record<string, Record<string, unknown>>

/** Rows per statement so that `columns × rows` stays under the dialect's parameter limit. */
export const rowsPerStatement = (maxParams: number, s: TableSpec): number => Math.max(1, Math.floor((maxParams - 16) / s.columns.length))

/** Inserts rows through kysely as multi-row VALUES statements, with the spec's conflict clause. */
export async function insertRows(database: Kysely<Database>, s: TableSpec, rows: readonly Record<string, unknown>[], maxParams: number): Promise<void> {
  const db = database as unknown as Kysely<Tables>
  const chunk = rowsPerStatement(maxParams, s)
  const c = s.conflict
  const update = c === null || c.update === 'nothing' ? null : c.update
  for (let i = 0; i < rows.length; i += chunk) {
    const q = db.insertInto(s.name).values(rows.slice(i, i + chunk))
    if (c === null) await q.execute()
    else if (update === null) await q.onConflict((oc) => oc.columns(c.keys as string[]).doNothing()).execute()
    else await q.onConflict((oc) => oc.columns(c.keys as string[]).doUpdateSet(Object.fromEntries(update.map((u) => [u, sql.ref(`excluded.${u}`)])))).execute()
  }
}

const PG_ARRAY: Record<TableSpec['columns'][number][1], string> = { text: 'text[]', bigint: 'bigint[]', float8: 'float8[]', integer: 'int4[]' }

/**
 * PostgreSQL: all rows as one `insert … select from unnest(arrays)` — one parameter per column
 * instead of one per value, whatever the batch size.
 */
export async function unnestRows(db: Kysely<Database>, s: TableSpec, rows: readonly Record<string, unknown>[]): Promise<void> {
  if (rows.length === 0) return
  const arrays = s.columns.map(([name, type]) => sql`${rows.map((r) => r[name] ?? null)}::${sql.raw(PG_ARRAY[type])}`)
  const cols = sql.raw(s.columns.map(([n]) => n).join(', '))
  await sql`insert into ${sql.table(s.name)} (${cols}) select * from unnest(${sql.join(arrays)})${sql.raw(conflictSql(s))}`.execute(db)
}

/** SQLite text of an `n`-row positional insert for the spec (the writer thread prepares and caches it). */
export function sqliteInsertText(s: TableSpec, n: number): string {
  const one = `(${new Array(s.columns.length).fill('?').join(',')})`
  return `insert into ${s.name} (${s.columns.map(([c]) => c).join(', ')}) values ${new Array(n).fill(one).join(',')}${conflictSql(s)}`
}
