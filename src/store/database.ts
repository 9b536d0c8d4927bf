import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import type { Database } from './schema.ts'
import { openSqlite } from './sqlite.ts'

export type Dialect = 'sqlite' | 'postgres'

/** An open store: the kysely handle, its dialect, and where it points (password removed). */
export interface StoreConnection {
  readonly db: Kysely<Database>
  readonly dialect: Dialect
  readonly target: string
  /** Most bind parameters one statement may carry on this dialect. */
  readonly maxParams: number
}

export const isPostgresUrl = (spec: string): boolean => /^postgres(ql)?:\/\//i.test(spec)

/** The URL with any password replaced, for logs and errors. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')
  }
}

// bigint columns (epoch ms) come back from pg as strings; they fit a double exactly.
pg.types.setTypeParser(20, (v) => Number(v))

/**
 * Opens the store named by `spec`: a `postgres://` URL, or a SQLite file path. PostgreSQL is checked
 * with a round trip at once, so a wrong URL or a server that is down is reported here, by name.
 */
export async function openStore(spec: string): Promise<StoreConnection> {
  if (!isPostgresUrl(spec)) return { db: openSqlite(spec), dialect: 'sqlite', target: spec, maxParams: 32_766 }
  const target = redactUrl(spec)
  const pool = new pg.Pool({ connectionString: spec, max: 4, connectionTimeoutMillis: 5_000 })
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => {})
  // So must a checked-out one (mid-transaction when the server goes away): pg emits 'error' on it too.
  pool.on('connect', (client) => client.on('error', () => {}))
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  try {
    await sql`select 1`.execute(db)
  } catch (err) {
    await db.destroy().catch(() => {})
    throw new Error(`cannot connect to PostgreSQL at ${target}: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
  return { db, dialect: 'postgres', target, maxParams: 65_535 }
}
