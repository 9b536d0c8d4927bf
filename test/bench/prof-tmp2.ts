import { NEVER, Subject } from 'rxjs'
import { Engine } from '../../src/engine/engine'
import { SimExchange } from '../../src/exchange/sim/sim-exchange'
import { expandGrid } from '../../streams/strategies/grid'
import { sizeForNotional } from '../../src/engine/sizing'
const N = Number(process.argv[2] ?? 40000)
const sim = new SimExchange({ symbols: 20, seed: 1, latencyMs: 200 })
const stub = Object.create(sim)
stub.createOrder = () => NEVER
const symbols = sim.markets.map((m) => m.symbol)
const sizeOf = (sym: string) => sizeForNotional(sim.markets.find((m) => m.symbol === sym)!, 100, sim.lastQuote(sym)!.ask)
for (let k = 0; k < 4; k++) {
  const rounds = new Subject<any>()
  const engine = new Engine({ exchange: stub, markets: sim.markets, strategies: expandGrid({ strategy: 'followSignal', symbols, count: N, groups: 100, sizeOf }), signals: rounds, runTag: 'x' + k })
  engine.start()
  ;(globalThis as any).gc()
  const t0 = performance.now()
  rounds.next({ round: 1, ts: Date.now(), values: new Int8Array(100).fill(1) })
  const t1 = performance.now()
  console.log('engine-only sweep', N, (t1 - t0).toFixed(1), 'ms', (((t1 - t0) * 1e6) / N).toFixed(0), 'ns/action')
}
process.exit(0)
