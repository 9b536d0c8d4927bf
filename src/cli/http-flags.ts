import { ConfigError } from '../domain/errors.ts'
import { isLoopback } from '../http/bearer-token.ts'

/** Where the engine's dashboard listens, and the control token (from SHOAL_HTTP_TOKEN, never a flag: flags show in `ps`). */
export interface HttpSpec {
  readonly host: string
  readonly port: number
  readonly token?: string
}

export const HTTP_HELP = `  --http PORT         serve the dashboard, JSON API and Prometheus /metrics on PORT (0: any free port)
  --http-host HOST    address to listen on (default 127.0.0.1; beyond loopback needs SHOAL_HTTP_TOKEN)
                      control (POST /api/control, the page's buttons) needs SHOAL_HTTP_TOKEN set`

/** Reads --http / --http-host (or a config file's `http:`); null when no port is given. */
export function httpSpec(port: unknown, host: unknown, env: NodeJS.ProcessEnv, where = '--http'): HttpSpec | null {
  if (port === undefined || port === null) {
    if (host !== undefined) throw new ConfigError(`${where}-host`, `only goes with ${where}`)
    return null
  }
  const n = typeof port === 'number' ? port : Number(port)
  if (!Number.isInteger(n) || n < 0 || n > 65_535 || (typeof port === 'string' && !/^\d+$/.test(port))) throw new ConfigError(where, `expected a port from 0 to 65535, got '${String(port)}'`)
  const h = host === undefined ? '127.0.0.1' : String(host)
  if (h === '') throw new ConfigError(`${where}-host`, 'expected an address')
  const token = env.SHOAL_HTTP_TOKEN === undefined || env.SHOAL_HTTP_TOKEN === '' ? undefined : env.SHOAL_HTTP_TOKEN
  if (!isLoopback(h) && token === undefined) throw new ConfigError(`${where}-host`, `listening on ${h} (beyond this machine) needs SHOAL_HTTP_TOKEN set: control must not be open to the network`)
  if (token !== undefined && token.length < 16) throw new ConfigError('SHOAL_HTTP_TOKEN', 'use at least 16 characters')
  return { host: h, port: n, token }
}
