import { existsSync } from 'node:fs'
import type { Logger } from 'pino'
import { ConfigError } from '../domain/errors.ts'
import { startDashboard } from '../http/dashboard-server.ts'
import { StoredSource } from '../http/stored-source.ts'
import { isPostgresUrl, openStore } from '../store/database.ts'
import { migrateToLatest } from '../store/migrations.ts'
import { parseFlags, stringFlag } from './flags.ts'
import { httpSpec, type HttpSpec } from './http-flags.ts'
import { forcedExitCode, StopSignals } from './stop-signals.ts'

export const DASHBOARD_HELP = `shoal dashboard — the dashboard over a finished run or backtest in the store (read-only)

  --db PATH|URL       SQLite file or postgres:// URL (default ./shoal.sqlite)
  --run ID            the run to show (default: the newest)
  --http PORT         port to serve on (default 8080; 0: any free port)
  --http-host HOST    address to listen on (default 127.0.0.1)
  Stops on SIGINT/SIGTERM.
`

const FLAGS = {
  db: { type: 'string', default: './shoal.sqlite' },
  run: { type: 'string' },
  http: { type: 'string', default: '8080' },
  'http-host': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

/** Serves a stored run until SIGINT/SIGTERM. */
export async function runDashboardCommand(argv: string[], log: Logger): Promise<'help' | { url: string }> {
  const { values: v, positionals } = parseFlags(argv, FLAGS)
  if (v.help) return 'help'
  if (positionals.length > 0) throw new ConfigError('dashboard', `unexpected argument '${positionals[0]}'`)
  const spec = stringFlag(v.db, '--db')
  if (!isPostgresUrl(spec) && !existsSync(spec)) throw new ConfigError('--db', `no such database file: ${spec}`)
  const http = httpSpec(v.http, v['http-host'], process.env)!
  return serveStoredRun(spec, v.run === undefined ? undefined : stringFlag(v.run, '--run'), http, log)
}

/** Serves the dashboard over a stored run (the newest without `runId`) until SIGINT/SIGTERM; read-only. */
export async function serveStoredRun(db: string, runId: string | undefined, http: HttpSpec, log: Logger): Promise<{ url: string }> {
  const conn = await openStore(db)
  try {
    // An older database gains the newer tables (controls), so the queries below can run.
    await migrateToLatest(conn.db)
    const source = await StoredSource.open(conn.db, runId)
    // A stored source has no control: it answers 409 whatever token the environment holds.
    const dashboard = await startDashboard({ host: http.host, port: http.port, token: http.token, source, log })
    await new Promise<void>((done) => {
      new StopSignals({ graceMs: 5_000, log, onStop: () => done(), onForce: (sig) => process.exit(forcedExitCode(sig)) })
    })
    await dashboard.close()
    return { url: dashboard.url }
  } finally {
    await conn.db.destroy()
  }
}
