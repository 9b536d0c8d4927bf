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

/**
 * Cuts database `url` off as a failing server would: new connections refused, open ones killed.
 * Returns the function that lets connections in again (call it in a `finally`).
 */
export async function cutOff(url: string): Promise<() => Promise<void>> {
  const name = new URL(url).pathname.slice(1)
  const admin = await openStore(inject('pgUrl'))
  await sql.raw(`alter database ${name} allow_connections false`).execute(admin.db)
  await sql.raw(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}'`).execute(admin.db)
  return async () => {
    await sql.raw(`alter database ${name} allow_connections true`).execute(admin.db)
    await admin.db.destroy()
  }
}
