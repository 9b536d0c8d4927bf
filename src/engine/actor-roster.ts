import type { Logger } from 'pino'
import type { RiskManager } from '../../actors/risk/risk-manager.ts'
import type { StrategyActor } from '../../actors/strategy-actor.ts'
import type { Metrics } from './metrics.ts'
import type { StrategyInstance } from './strategy-instances.ts'

import type { PositionRow } from '../store/order-store.ts'

/** One actor's figures, as the store's positions table takes them (without the marks). */
export type PositionFiguresRow = Omit<PositionRow, 'markPrice' | 'unrealizedPnl' | 'equity' | 'drawdown'>

/**
 * What the engine does to its actors as a set, outside the order path: stop one that failed (or
 * every actor of a failed pipeline), carry positions over from the store, read their figures, and
 * name the ones whose actions are still in flight.
 */
export class ActorRoster {
  constructor(
    readonly actors: readonly StrategyActor[],
    private readonly o: { readonly metrics: Metrics; readonly risk?: RiskManager; readonly now: () => number; readonly log?: Logger },
  ) {}

  /** Stops `actor` (once) with the error as its reason; false if it had already stopped. */
  fail(actor: StrategyActor, err: unknown, logged = false): boolean {
    if (!actor.state.running) return false
    const reason = err instanceof Error ? err.message : String(err)
    actor.apply({ type: 'ActorFailed', ts: this.o.now(), reason })
    this.o.metrics.w.failedActors++
    if (!logged) this.o.log?.error({ strategyId: actor.id, err }, 'strategy actor stopped')
    return true
  }

  /** A pipeline failed: every actor it feeds stops, the others trade on. Logged once, not per actor. */
  failInstance(inst: StrategyInstance, err: unknown): void {
    let failed = 0
    for (const a of inst.actors) if (this.fail(a, err, true)) failed++
    if (failed > 0) this.o.log?.error({ pipeline: inst.key, actors: failed, firstStrategyId: inst.actors[0]?.id, err }, 'strategy pipeline failed: its actors stopped')
  }

  /** Carries positions over by strategy id; returns how many actors got a non-zero one. */
  restore(figures: ReadonlyMap<string, { position: number; avgPrice: number; realizedPnl: number; fees: number }>): number {
    let n = 0
    const { metrics, risk } = this.o
    for (const a of this.actors) {
      const f = figures.get(a.id)
      if (f === undefined) continue
      const wasOpen = a.state.position !== 0
      a.apply({ type: 'ActorRestored', ts: this.o.now(), position: f.position, avgPrice: f.avgPrice, realizedPnl: f.realizedPnl, fees: f.fees })
      if (wasOpen !== (a.state.position !== 0)) metrics.positionsOpen += a.state.position !== 0 ? 1 : -1
      if (f.position !== 0) {
        risk?.onRestore(a.symbol, f.position)
        n++
      }
    }
    return n
  }

  positions(): PositionFiguresRow[] {
    return this.actors.map((a) => ({ strategyId: a.id, symbol: a.symbol, position: a.state.position, avgPrice: a.state.avgPrice, realizedPnl: a.state.realizedPnl, fees: a.state.fees }))
  }

  /** Logs the actions still in flight after a stop's drain, naming their orders (their orders stay open for start-up reconciliation). */
  warnStuck(inFlight: number): void {
    const stuck = this.actors.filter((a) => a.state.order !== null).map((a) => ({ orderId: a.state.order!.id, strategyId: a.id, status: a.state.order!.status }))
    const named = stuck
      .slice(0, 3)
      .map((x) => `${x.orderId} ${x.status}`)
      .join(', ')
    this.o.log?.warn(
      { inFlight, stuck: stuck.slice(0, 20), more: Math.max(0, stuck.length - 20) },
      `stop: ${stuck.length} actions still in flight after drain (${named}${stuck.length > 3 ? ', …' : ''}); their orders stay open in the store for start-up reconciliation`,
    )
  }
}
