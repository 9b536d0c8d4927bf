import { sql } from 'kysely'
import { inject } from 'vitest'
import { openStore } from '../../src/store/database.ts'

let n = 0

/** A new, empty database on the test PostgreSQL cluster; returns its URL. */
export async function newPgDatabase(prefix: string): Promise<string> {
  const admin = await openStore(inject('pgUrl'))
  const name = `${prefix}_${process.pid}_${++n}`
  await sql.raw(`create database ${name}`).execute(admin.db)
  await admin.db.destroy()
  const url = new URL(inject('pgUrl'))
  url.pathname = `/${name}`
  return url.toString()
}
