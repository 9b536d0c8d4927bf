import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Subject } from 'rxjs'
import { RiskManager } from '../../actors/risk/risk-manager.ts'
import { DEFAULT_LIMITS } from '../../actors/risk/limits.ts'
import { openExchange } from '../../src/cli/open-exchange.ts'
import type { SignalRound } from '../../src/domain/signal.ts'
import { Engine } from '../../src/engine/engine.ts'
import { sizeForNotional } from '../../src/engine/sizing.ts'
import type { CcxtExchange } from '../../src/exchange/ccxt/ccxt-exchange.ts'
import { SimExchange } from '../../src/exchange/sim/sim-exchange.ts'
import { openStore } from '../../src/store/database.ts'
import { createOrderStore } from '../../src/store/sqlite-worker-store.ts'
import { BinanceVenue } from '../../src/venue/binance-venue.ts'
import { signalRound } from '../../streams/signal-schedule.ts'
import { expandGrid } from '../../streams/strategies/grid.ts'
import { arg, flag, emit, round, sleep } from './util.ts'

/**
 * 10,000 strategies on ONE account of the local venue with Binance's own limits (100 orders per
 * 10 s, 6,000 weight a minute), through ccxt over HTTP, with and without netting: one signal round,
 * then how many orders went out, how many the venue refused (429), and how long until every strategy
 * held the position its signal asked for (or how many did by the deadline).
 */
const actors = arg('actors', 10_000)
const netting = flag('netting', false)
const deadlineS = arg('deadline-s', 60)
const dir = mkdtempSync(join(tmpdir(), 'shoal-ratelimited-'))
const sim = new SimExchange({ symbols: 20, seed: 1, latencyMs: 5 }).start()
const venue = new BinanceVenue({ sim, credentials: { apiKey: 'bk', secret: 'bs' } })
const port = await venue.listen()
const ex = await openExchange(
  { kind: 'ccxt', id: 'binance', baseUrl: `http://127.0.0.1:${port}`, symbols: 'all', streams: 'poll', pollMs: 500, auditMs: 10_000, rateLimitMs: 5 },
  { SHOAL_BINANCE_API_KEY: 'bk', SHOAL_BINANCE_SECRET: 'bs' },
)
const store = await createOrderStore(await openStore(join(dir, 'rl.sqlite')), 'bench')
await store.migrate()
await store.startRun({ bench: 'rate-limited-venue' }, Date.now())
const symbols = ex.markets.map((m) => m.symbol)
const strategies = expandGrid({ strategy: 'followSignal', symbols, count: actors, groups: 100, sizeOf: (s) => sizeForNotional(ex.markets.find((m) => m.symbol === s)!, 100, ex.priceOf(s)) })
const rounds$ = new Subject<SignalRound>()
const engine = new Engine({
  exchange: ex.port,
  markets: ex.markets,
  strategies,
  signals: rounds$,
  store,
  risk: new RiskManager(DEFAULT_LIMITS, ex.markets, Date.now()),
  netting: netting ? {} : undefined,
  callTimeoutMs: 10_000,
  runTag: `rl${Date.now().toString(36)}`,
}).start()
// Market data first: the risk gate wants a reference price for every symbol.
while (symbols.some((s) => sim.lastQuote(s) === undefined)) await sleep(50)
await sleep(1_500)
const r = signalRound({ groups: 100, everyMs: 1, seed: 7, pEnter: 1, pExit: 0 }, 1, Date.now())
const t0 = performance.now()
rounds$.next(r)
const atTarget = () => engine.actors.filter((a) => a.state.position > 0 && Math.abs(a.state.position - a.size) < 1e-9).length
let reachedMs: number | null = null
while (performance.now() - t0 < deadlineS * 1000) {
  if (atTarget() === actors) {
    reachedMs = performance.now() - t0
    break
  }
  await sleep(50)
}
const health = (ex.port as CcxtExchange).health()
emit({
  scenario: 'rate-limited-venue',
  netting,
  actors,
  venueLimits: venue.limits?.advertised(),
  venueOrders: sim.knownOrders().length,
  refused429: venue.limits?.counts.limited ?? 0,
  refused418: venue.limits?.counts.banned ?? 0,
  refusedAll: (venue.limits?.counts.limited ?? 0) + (venue.limits?.counts.banned ?? 0),
  rateLimitedAtAdapter: health.rateLimited,
  atTarget: atTarget(),
  allAtTargetMs: reachedMs === null ? null : round(reachedMs, 0),
  deadlineS,
})
await engine.stop(5_000, 30_000)
await store.close()
await ex.stop()
await venue.close()
sim.stop()
rmSync(dir, { recursive: true, force: true })
process.exit(0)
