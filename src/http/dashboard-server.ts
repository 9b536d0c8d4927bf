import { createReadStream, existsSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { Registry } from 'prom-client'
import { WebSocketServer, type WebSocket } from 'ws'
import { ConfigError } from '../domain/errors.ts'
import { bearerMatches, isLoopback } from './bearer-token.ts'
import { parseControl, UnknownTarget } from './control.ts'
import type { DashboardSource } from './dashboard-source.ts'
import { CHARTS_JS, PAGE_DIR } from './page-assets.ts'
import { parseTableQuery } from './strategy-table.ts'

export interface DashboardOptions {
  readonly host: string
  /** 0 picks a free port (see the returned `port`). */
  readonly port: number
  /** Bearer token for control calls; without one the server is read-only. Required off loopback. */
  readonly token?: string
  readonly source: DashboardSource
  /** `GET /metrics` (live runs). */
  readonly registry?: Registry
  readonly log?: { info(o: object, msg: string): void; warn(o: object, msg: string): void }
  /** How often the page's socket gets a snapshot, ms (at most once a second by default). */
  readonly pushEveryMs?: number
}

export interface Dashboard {
  readonly port: number
  readonly url: string
  close(): Promise<void>
}

const STATIC: Record<string, { file: string; type: string }> = {
  '/': { file: join(PAGE_DIR, 'index.html'), type: 'text/html; charset=utf-8' },
  '/app.js': { file: join(PAGE_DIR, 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: join(PAGE_DIR, 'app.css'), type: 'text/css; charset=utf-8' },
  '/report.js': { file: join(PAGE_DIR, 'report.js'), type: 'text/javascript; charset=utf-8' },
  '/vendor/lightweight-charts.js': { file: CHARTS_JS, type: 'text/javascript; charset=utf-8' },
}
const MAX_BODY = 16 * 1024

/** A request the server refuses, with its status and a message that says what is wrong. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers })
  res.end(text)
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'] ?? ''
  if (!/^application\/json\b/i.test(type)) throw new HttpError(415, `expected Content-Type: application/json, got '${type}'`)
  let size = 0
  const chunks: Buffer[] = []
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length
    if (size > MAX_BODY) throw new HttpError(413, `body larger than ${MAX_BODY} bytes`)
    chunks.push(c)
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch (err) {
    throw new HttpError(400, `body is not JSON: ${err instanceof Error ? err.message : String(err)}`)
  }
}

/**
 * The engine's HTTP face: the dashboard page and its assets (served from the package, so it works
 * with no network), JSON endpoints for what the page shows, Prometheus `GET /metrics`, the
 * token-guarded control API, and one WebSocket per page pushing a snapshot every second. Snapshots
 * are built only while a page is connected; nothing here runs on the trading path.
 */
export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  if (!isLoopback(o.host) && (o.token === undefined || o.token === ''))
    throw new ConfigError('--http-host', `listening on ${o.host} (beyond this machine) needs SHOAL_HTTP_TOKEN set: control must not be open to the network`)
  const { source } = o
  const clients = new Set<WebSocket>()
  const controlEnabled = source.control !== undefined && o.token !== undefined && o.token !== ''
  const summary = async () => ({ ...(await source.summary()), controlEnabled })

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const path = url.pathname
    const method = req.method ?? 'GET'
    const asset = STATIC[path]
    if (asset !== undefined) {
      if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, `${method} not allowed on ${path}`, { allow: 'GET, HEAD' })
      if (!existsSync(asset.file)) throw new HttpError(500, `asset missing from the installation: ${asset.file}`)
      res.writeHead(200, {
        'content-type': asset.type,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
      })
      if (method === 'HEAD') return void res.end()
      createReadStream(asset.file).pipe(res)
      return
    }
    if (path === '/api/control') {
      if (method !== 'POST') throw new HttpError(405, 'use POST', { allow: 'POST' })
      if (source.control === undefined) throw new HttpError(409, 'this dashboard shows a stored run: there is nothing running to control')
      if (o.token === undefined || o.token === '') throw new HttpError(403, 'control is disabled: start shoal with SHOAL_HTTP_TOKEN set to allow it')
      if (!bearerMatches(req.headers.authorization, o.token)) throw new HttpError(401, 'missing or wrong bearer token', { 'www-authenticate': 'Bearer realm="shoal"' })
      const cmd = parseControl(await readJson(req))
      const operator = req.headers['x-operator']
      const who = typeof operator === 'string' && operator !== '' ? operator.slice(0, 100) : (req.socket.remoteAddress ?? 'unknown')
      const state = await source.control(cmd, who)
      return send(res, 200, { ok: true, ...cmd, who, state })
    }
    if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, `${method} not allowed on ${path}`, { allow: 'GET' })
    if (path === '/metrics') {
      if (o.registry === undefined) throw new HttpError(404, 'no engine is running here: /metrics is served by demo, run and backtest with --http')
      const text = await o.registry.metrics()
      res.writeHead(200, { 'content-type': o.registry.contentType })
      return void res.end(text)
    }
    const noParams = () => {
      const k = [...url.searchParams.keys()][0]
      if (k !== undefined) throw new ConfigError(k, `unknown parameter (${path} takes none)`)
    }
    const plain: Record<string, () => Promise<unknown> | unknown> = {
      '/api/summary': summary,
      '/api/series': () => source.series(),
      '/api/runs': () => source.runs(),
      '/api/controls': () => source.controls(),
      '/api/report': async () => {
        const r = (await source.report?.()) ?? null
        if (r === null) throw new HttpError(404, 'this run has no backtest report')
        return r
      },
    }
    const answer = plain[path]
    if (answer !== undefined) {
      noParams()
      return send(res, 200, await answer())
    }
    if (path === '/api/strategies') return send(res, 200, await source.strategies(parseTableQuery(url.searchParams)))
    if (path.startsWith('/api/strategies/')) {
      noParams()
      let id: string
      try {
        id = decodeURIComponent(path.slice('/api/strategies/'.length))
      } catch {
        throw new HttpError(400, `strategy id is not valid URL encoding: ${path}`)
      }
      const s = await source.strategy(id)
      if (s === null) throw new HttpError(404, `no strategy ${id}`)
      return send(res, 200, s)
    }
    throw new HttpError(404, `nothing at ${path}`)
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : err instanceof ConfigError ? 400 : err instanceof UnknownTarget ? 404 : 500
      if (status === 500) o.log?.warn({ err, url: req.url }, 'dashboard request failed')
      if (res.headersSent) return void res.destroy()
      send(res, status, { error: err instanceof Error ? err.message : String(err) }, err instanceof HttpError ? err.headers : {})
    })
  })
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 })
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/ws') return void socket.destroy()
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws)
      ws.on('close', () => clients.delete(ws))
      ws.on('error', () => clients.delete(ws))
    })
  })

  // Once a second: the live source samples its figures (cheap: counters it keeps anyway); a summary
  // is built and pushed only while a page is connected.
  const every = o.pushEveryMs ?? 1_000
  let busy = false
  const timer = setInterval(() => {
    const point = source.sample?.()
    if (clients.size === 0 || busy) return
    busy = true
    summary()
      .then((s) => {
        const msg = JSON.stringify({ type: 'tick', point: point ?? null, summary: s })
        for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(msg)
      })
      .catch((err: unknown) => o.log?.warn({ err }, 'dashboard snapshot failed'))
      .finally(() => (busy = false))
  }, every)
  timer.unref()

  await new Promise<void>((ok, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) => fail(new ConfigError('--http', `cannot listen on ${o.host}:${o.port}: ${err.code ?? err.message}`)))
    server.listen(o.port, o.host, () => ok())
  })
  const port = (server.address() as AddressInfo).port
  const url = `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}/`
  o.log?.info({ url, control: controlEnabled }, `dashboard listening on ${url}`)
  return {
    port,
    url,
    close: () =>
      new Promise<void>((done) => {
        clearInterval(timer)
        for (const ws of clients) ws.terminate()
        wss.close()
        server.close(() => done())
        server.closeAllConnections()
      }),
  }
}
