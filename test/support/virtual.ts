import type { VirtualTimeScheduler } from 'rxjs'
import type { Engine } from '../../src/engine/engine.ts'
import type { SimExchange } from '../../src/exchange/sim/sim-exchange.ts'

/**
 * Ends a virtual-time run cleanly: stop the engine (in-flight actions drain for up to `drainMs`),
 * stop the simulator's market data, and give virtual time `extraMs` more for the last answers.
 */
export async function finishVirtual(engine: Engine, sim: SimExchange, scheduler: VirtualTimeScheduler, drainMs = 30_000, extraMs = 60_000) {
  const stopped = engine.stop(drainMs)
  sim.stopMarket()
  scheduler.maxFrames = scheduler.now() + extraMs
  scheduler.flush()
  return stopped
}
