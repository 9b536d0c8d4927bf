import { describe, expect, it } from 'vitest'
import { RiskManager } from '../actors/risk/risk-manager.ts'
import { DEFAULT_LIMITS } from '../actors/risk/limits.ts'
import { INITIAL_ACTOR_STATE } from '../actors/actor-state.ts'
import { LatencyHistogram } from '../src/engine/latency-histogram.ts'
import { bearerMatches, isLoopback } from '../src/http/bearer-token.ts'
import { applyControl, parseControl, UnknownTarget } from '../src/http/control.ts'
import { histogramSamples } from '../src/http/prometheus.ts'
import { pageOf, parseTableQuery, type StrategyRow } from '../src/http/strategy-table.ts'
import type { Market } from '../src/domain/market.ts'

const row = (i: number, extra: Partial<StrategyRow> = {}): StrategyRow => ({
  id: `s-${i}`,
  strategy: i % 2 ? 'smaCross' : 'followSignal',
  symbol: i % 3 ? 'BTC/USDT' : 'ETH/USDT',
  netPnl: ((i * 7919) % 101) - 50,
  returnPct: i % 5 === 0 ? null : i / 10,
  drawdownPct: 0,
  trades: i % 7,
  position: 0,
  state: i === 3 ? 'HALTED' : 'ACTIVE',
  weight: i % 4 === 0 ? null : 1 + (i % 9) / 10,
  ...extra,
})

describe('leaderboard paging on the server', () => {
  const rows = Array.from({ length: 20_000 }, (_, i) => row(i))

  it('sorts, filters and pages like a sort of the whole table, ties by id, nulls last', () => {
    const q = parseTableQuery(new URLSearchParams('sort=netPnl&dir=desc&limit=100&offset=200'))
    const page = pageOf(rows, q)
    const want = [...rows].sort((a, b) => b.netPnl - a.netPnl || a.id.localeCompare(b.id, 'en', { numeric: true })).slice(200, 300)
    expect(page.total).toBe(20_000)
    expect(page.rows.map((r) => r.id)).toEqual(want.map((r) => r.id))
    const asc = pageOf(rows, parseTableQuery(new URLSearchParams('sort=returnPct&dir=asc&limit=1000&offset=19000')))
    expect(asc.rows.at(-1)!.returnPct).toBeNull()
    const desc = pageOf(rows, parseTableQuery(new URLSearchParams('sort=returnPct&dir=desc&limit=5')))
    expect(desc.rows[0]!.returnPct).toBe(1999.9)
    const filtered = pageOf(rows, parseTableQuery(new URLSearchParams('q=halted')))
    expect(filtered.rows.map((r) => r.id)).toEqual(['s-3'])
    expect(pageOf(rows, parseTableQuery(new URLSearchParams('q=ETH&limit=1'))).total).toBe(6_667)
  })

  it('names the parameter that is wrong', () => {
    const bad = (qs: string) => () => parseTableQuery(new URLSearchParams(qs))
    expect(bad('sort=luck')).toThrow("sort: expected one of id, strategy, symbol, netPnl, returnPct, drawdownPct, trades, position, state, weight, got 'luck'")
    expect(bad('dir=up')).toThrow("dir: expected asc or desc, got 'up'")
    expect(bad('limit=0')).toThrow("limit: expected an integer from 1 to 1000, got '0'")
    expect(bad('limit=5000')).toThrow('limit: expected an integer from 1 to 1000')
    expect(bad('offset=-1')).toThrow('offset: expected an integer from 0 to')
    expect(bad('offset=1.5')).toThrow('offset')
    expect(bad('page=2')).toThrow('page: unknown parameter')
  })
})

describe('control requests', () => {
  it('parses the documented body and names what is wrong', () => {
    expect(parseControl({ action: 'halt', scope: 'strategy', id: 's-1' })).toEqual({ action: 'halt', scope: 'strategy', id: 's-1' })
    expect(parseControl({ action: 'flatten', scope: 'global' })).toEqual({ action: 'flatten', scope: 'global', id: null })
    expect(() => parseControl([])).toThrow('body: expected a JSON object')
    expect(() => parseControl({ action: 'stop', scope: 'global' })).toThrow('action: expected one of halt, reduce, resume, reset-breaker, flatten, got "stop"')
    expect(() => parseControl({ action: 'halt', scope: 'desk' })).toThrow('scope: expected one of global, symbol, strategy')
    expect(() => parseControl({ action: 'halt', scope: 'symbol' })).toThrow('id: scope symbol needs the symbol')
    expect(() => parseControl({ action: 'halt', scope: 'global', id: 'x' })).toThrow('id: the global scope takes no id')
    expect(() => parseControl({ action: 'flatten', scope: 'strategy', id: 's-1' })).toThrow('flatten is the kill switch: scope global only')
    expect(() => parseControl({ action: 'halt', scope: 'global', force: true })).toThrow('force: unknown field')
  })

  it('halts a strategy until an operator resumes it — a breaker cool-down does not lift it — and answers the resulting states', () => {
    const market: Market = { symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', tickSize: 0.01, lotSize: 0.0001, minNotional: 5, makerFee: 0.0002, takerFee: 0.0005 }
    const risk = new RiskManager({ ...DEFAULT_LIMITS, capitalPerStrategy: 1_000 }, [market], 0)
    risk.onTrade('BTC/USDT', 100, 0)
    const actor = { index: 0, id: 's-0', symbol: 'BTC/USDT', state: INITIAL_ACTOR_STATE }
    let now = 1_000
    let flattened = 0
    const target = { risk, now: () => now, flatten: () => void flattened++, symbols: new Set(['BTC/USDT']), strategy: (id: string) => (id === 's-0' ? actor : undefined) }
    const buy = { side: 'buy' as const, type: 'market' as const, amount: 0.1, price: null }
    expect(risk.check(actor, buy, now, 0)).toBeNull()
    expect(applyControl(target, { action: 'halt', scope: 'strategy', id: 's-0' }, 'ops')).toMatchObject({ global: 'ACTIVE', strategy: 'HALTED', symbol: 'ACTIVE' })
    expect(risk.check(actor, buy, now, 0)).toBe('halted')
    now += 86_400_000
    risk.evaluate(now, [actor])
    expect(risk.check(actor, buy, now, 0)).toBe('halted')
    expect(applyControl(target, { action: 'resume', scope: 'strategy', id: 's-0' }, 'ops').strategy).toBe('ACTIVE')
    expect(risk.check(actor, buy, now, 0)).toBeNull()
    // Symbol and global scopes, and the kill switch.
    expect(applyControl(target, { action: 'reduce', scope: 'symbol', id: 'BTC/USDT' }, 'ops').symbol).toBe('REDUCING')
    expect(risk.check(actor, buy, now, 0)).toBe('reducing_only')
    applyControl(target, { action: 'resume', scope: 'symbol', id: 'BTC/USDT' }, 'ops')
    expect(applyControl(target, { action: 'halt', scope: 'global', id: null }, 'ops')).toMatchObject({ global: 'HALTED', killed: false })
    expect(applyControl(target, { action: 'resume', scope: 'global', id: null }, 'ops').global).toBe('ACTIVE')
    expect(applyControl(target, { action: 'flatten', scope: 'global', id: null }, 'ops')).toBeDefined()
    expect(flattened).toBe(1)
    expect(() => applyControl(target, { action: 'halt', scope: 'strategy', id: 'nobody' }, 'ops')).toThrow(UnknownTarget)
    expect(() => applyControl(target, { action: 'halt', scope: 'symbol', id: 'DOGE/USDT' }, 'ops')).toThrow('no symbol DOGE/USDT in this run')
    // Every action left a trip naming the operator.
    expect(risk.trips.filter((t) => t.reason.includes('(ops)')).length).toBeGreaterThanOrEqual(6)
  })

  it('reset-breaker lifts the kill switch and a tripped global breaker, but not a state an operator set by hand', () => {
    const risk = new RiskManager({ ...DEFAULT_LIMITS, capitalPerStrategy: 1_000 }, [], 0)
    risk.setGlobalState('REDUCING', 1, 'by hand')
    risk.kill(2, 'test')
    expect(risk.isKilled).toBe(true)
    risk.resetBreaker(3)
    expect(risk.isKilled).toBe(false)
    expect(risk.globalState).toBe('REDUCING')
    risk.reset(4)
    expect(risk.globalState).toBe('ACTIVE')
  })
})

describe('bearer tokens and hosts', () => {
  it('accepts only the exact token, and knows loopback addresses', () => {
    const token = 'abcdefghijklmnop0123'
    expect(bearerMatches(`Bearer ${token}`, token)).toBe(true)
    expect(bearerMatches(`bearer ${token}`, token)).toBe(true)
    expect(bearerMatches(`Bearer ${token}x`, token)).toBe(false)
    expect(bearerMatches(token, token)).toBe(false)
    expect(bearerMatches(undefined, token)).toBe(false)
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost'].every(isLoopback)).toBe(true)
    expect(['0.0.0.0', '192.168.1.5', '::'].some(isLoopback)).toBe(false)
  })
})

describe('Prometheus histograms from an HdrHistogram', () => {
  it('cumulative buckets, count and sum agree with the recorded values', () => {
    const h = new LatencyHistogram()
    const values = [0.4, 3, 3, 7, 42, 120, 900, 4_000]
    for (const v of values) h.record(v)
    const s = histogramSamples('x_seconds', [h], [0.001, 0.005, 0.1, 1])
    const bucket = (le: number | string) => s.find((x) => x.metricName === 'x_seconds_bucket' && x.labels?.le === le)!.value
    expect([bucket(0.001), bucket(0.005), bucket(0.1), bucket(1), bucket('+Inf')]).toEqual([1, 3, 5, 7, 8])
    expect(s.find((x) => x.metricName === 'x_seconds_count')!.value).toBe(8)
    expect(s.find((x) => x.metricName === 'x_seconds_sum')!.value).toBeCloseTo(values.reduce((a, b) => a + b, 0) / 1000, 2)
  })
})
