import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { ControlRequest } from '../src/http/control.ts'
import { startDashboard, type Dashboard } from '../src/http/dashboard-server.ts'
import type { DashboardSource, FeedPoint } from '../src/http/dashboard-source.ts'
import { pageOf, type StrategyRow } from '../src/http/strategy-table.ts'

const TOKEN = 'abcdefghijklmnop0123'

/** A source with fixed rows that records the controls it was asked for. */
function stub(live: boolean) {
  const rows: StrategyRow[] = Array.from({ length: 30 }, (_, i) => ({
    id: `s-${i}`,
    strategy: 'x',
    symbol: 'BTC/USDT',
    netPnl: i,
    returnPct: null,
    drawdownPct: null,
    trades: i,
    position: 0,
    state: 'ACTIVE',
    weight: null,
  }))
  const controls: ControlRequest[] = []
  let samples = 0
  const point = (): FeedPoint => ({
    t: Date.now(),
    reactionP99Ms: 1,
    sweepP99Ms: 2,
    loopLagP99Ms: 3,
    ordersPerSec: samples,
    fillsPerSec: 0,
    persistedPerSec: 0,
    sinkQueue: 0,
    sinkLagMs: 0,
    heapMB: 1,
    equity: null,
    drawdownPct: null,
  })
  const source: DashboardSource = {
    kind: live ? 'live' : 'stored',
    summary: async () => ({ kind: live ? 'live' : 'stored', samples }),
    series: () => [],
    strategies: async (q) => pageOf(rows, q),
    strategy: async (id) => (rows.some((r) => r.id === id) ? { id, strategy: 'x', params: {}, symbol: 'BTC/USDT', figures: {}, state: null, equity: [], orders: [], fills: [] } : null),
    runs: async () => [],
    controls: async () => [],
    ...(live
      ? {
          sample: () => {
            samples++
            return point()
          },
          control: async (req: ControlRequest) => {
            controls.push(req)
            return { global: 'HALTED' as const, killed: false }
          },
        }
      : {}),
  }
  return { source, controls }
}

let open: Dashboard | null = null
afterEach(async () => {
  await open?.close()
  open = null
})

async function serve(live: boolean, token?: string) {
  const s = stub(live)
  open = await startDashboard({ host: '127.0.0.1', port: 0, token, source: s.source, pushEveryMs: 50 })
  const url = (p: string) => `${open!.url.replace(/\/$/, '')}${p}`
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(url('/api/control'), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) })
  return { ...s, url, post }
}

describe('dashboard server', () => {
  it('control needs the bearer token: 401 without it (nothing applied), 200 with it', async () => {
    const { post, controls } = await serve(true, TOKEN)
    const none = await post({ action: 'halt', scope: 'global' })
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toContain('Bearer')
    expect((await post({ action: 'halt', scope: 'global' }, { authorization: 'Bearer wrong-token-0000000' })).status).toBe(401)
    expect(controls).toEqual([])
    const ok = await post({ action: 'halt', scope: 'global' }, { authorization: `Bearer ${TOKEN}`, 'x-operator': 'alice' })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ ok: true, action: 'halt', scope: 'global', id: null, who: 'alice', state: { global: 'HALTED', killed: false } })
    expect(controls).toEqual([{ action: 'halt', scope: 'global', id: null }])
  })

  it('without a token configured the server is read-only; a stored run cannot be controlled at all', async () => {
    const { post, url } = await serve(true)
    expect((await post({ action: 'halt', scope: 'global' }, { authorization: `Bearer ${TOKEN}` })).status).toBe(403)
    expect(await (await fetch(url('/api/summary'))).json()).toMatchObject({ controlEnabled: false })
    await open!.close()
    const stored = await serve(false, TOKEN)
    const r = await stored.post({ action: 'halt', scope: 'global' }, { authorization: `Bearer ${TOKEN}` })
    expect(r.status).toBe(409)
    expect(((await r.json()) as { error: string }).error).toContain('stored run')
  })

  it('answers bad requests with the status and a message that says what is wrong', async () => {
    const { post, url } = await serve(true, TOKEN)
    const auth = { authorization: `Bearer ${TOKEN}` }
    const err = async (r: Response) => [r.status, ((await r.json()) as { error: string }).error]
    expect(await err(await post('{"action":', auth))).toEqual([400, expect.stringContaining('body is not JSON')])
    expect(await err(await post({ action: 'halt', scope: 'strategy' }, auth))).toEqual([400, expect.stringContaining('id: scope strategy needs the strategy id')])
    expect(await err(await post('x'.repeat(20_000), auth))).toEqual([413, 'body larger than 16384 bytes'])
    expect(await err(await fetch(url('/api/control'), { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: '{}' }))).toEqual([
      415,
      "expected Content-Type: application/json, got 'text/plain'",
    ])
    expect(await err(await fetch(url('/api/control')))).toEqual([405, 'use POST'])
    expect(await err(await fetch(url('/api/strategies?sort=luck')))).toEqual([400, expect.stringContaining('sort: expected one of')])
    expect(await err(await fetch(url('/api/summary?x=1')))).toEqual([400, 'x: unknown parameter (/api/summary takes none)'])
    expect(await err(await fetch(url('/api/strategies/nobody')))).toEqual([404, 'no strategy nobody'])
    expect(await err(await fetch(url('/api/strategies/%E0%A4%A')))).toEqual([400, expect.stringContaining('not valid URL encoding')])
    expect(await err(await fetch(url('/nowhere')))).toEqual([404, 'nothing at /nowhere'])
    expect(await err(await fetch(url('/api/summary'), { method: 'DELETE' }))).toEqual([405, 'DELETE not allowed on /api/summary'])
    expect(await err(await fetch(url('/metrics')))).toEqual([404, expect.stringContaining('no engine is running here')])
  })

  it('serves the page and its chart library from the package, and pages the leaderboard', async () => {
    const { url } = await serve(true)
    const page = await fetch(url('/'))
    expect(page.headers.get('content-type')).toContain('text/html')
    expect(await page.text()).toContain('<script src="/vendor/lightweight-charts.js"')
    const lib = await fetch(url('/vendor/lightweight-charts.js'))
    expect(lib.status).toBe(200)
    expect((await lib.text()).length).toBeGreaterThan(100_000)
    const p = (await (await fetch(url('/api/strategies?sort=trades&dir=asc&limit=5&offset=10'))).json()) as { total: number; rows: StrategyRow[] }
    expect(p.total).toBe(30)
    expect(p.rows.map((r) => r.id)).toEqual(['s-10', 's-11', 's-12', 's-13', 's-14'])
  })

  it('pushes a snapshot over the page’s socket every tick', async () => {
    const { url } = await serve(true)
    const ws = new WebSocket(url('/ws').replace('http', 'ws'))
    const ticks: { type: string; point: FeedPoint; summary: { samples: number } }[] = []
    await new Promise<void>((done, fail) => {
      ws.on('message', (m) => {
        ticks.push(JSON.parse(String(m)))
        if (ticks.length === 3) done()
      })
      ws.on('error', fail)
    })
    ws.close()
    expect(ticks.map((t) => t.type)).toEqual(['tick', 'tick', 'tick'])
    expect(ticks[2]!.summary.samples).toBeGreaterThan(ticks[0]!.summary.samples)
  })

  it('refuses to listen beyond loopback without a token', async () => {
    await expect(startDashboard({ host: '0.0.0.0', port: 0, source: stub(true).source })).rejects.toThrow('--http-host: listening on 0.0.0.0 (beyond this machine) needs SHOAL_HTTP_TOKEN set')
  })
})
