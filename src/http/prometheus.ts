import { collectDefaultMetrics, Registry } from 'prom-client'
import type { RiskManager } from '../../actors/risk/risk-manager.ts'
import type { Engine } from '../engine/engine.ts'
import type { LatencyHistogram } from '../engine/latency-histogram.ts'
import type { LagMonitor } from '../engine/stats.ts'

/** Bucket bounds in seconds for the reaction and sweep histograms (1 ms … 10 s). */
export const LATENCY_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

type Sample = { value: number; labels?: Record<string, string | number>; metricName?: string }

/**
 * A metric whose values are read from the engine at scrape time: nothing is counted twice and nothing
 * touches the trading path. prom-client formats it (and adds Node's default metrics).
 */
function readOnScrape(name: string, help: string, type: 'counter' | 'gauge' | 'histogram', read: () => Sample[]) {
  return { name, help, type, aggregator: 'sum' as const, get: async () => ({ name, help, type, aggregator: 'sum' as const, values: read() }), reset() {}, labelNames: [] }
}

/** Prometheus histogram samples from an HdrHistogram of milliseconds: cumulative buckets in seconds, sum and count. */
export function histogramSamples(name: string, hs: readonly LatencyHistogram[], boundsS: readonly number[] = LATENCY_BUCKETS_S): Sample[] {
  const counts = boundsS.map(() => 0)
  let count = 0
  let sumMs = 0
  for (const h of hs)
    h.forEachValue((ms, n) => {
      count += n
      sumMs += ms * n
      for (let i = 0; i < boundsS.length; i++) if (ms <= boundsS[i]! * 1000) counts[i]! += n
    })
  return [
    ...boundsS.map((le, i) => ({ metricName: `${name}_bucket`, labels: { le }, value: counts[i]! })),
    { metricName: `${name}_bucket`, labels: { le: '+Inf' }, value: count },
    { metricName: `${name}_sum`, value: sumMs / 1000 },
    { metricName: `${name}_count`, value: count },
  ]
}

export interface PromParts {
  readonly engine: Engine
  readonly risk: RiskManager
  readonly lag: LagMonitor
  /** Venue stream reconnects so far, when the venue reports them. */
  readonly reconnects?: () => number
}

/** The registry `GET /metrics` serves: shoal's figures by Prometheus conventions (base units, `_total` counters) plus Node's defaults. */
export function shoalRegistry(p: PromParts): Registry {
  const r = new Registry()
  collectDefaultMetrics({ register: r })
  const { engine, risk } = p
  const add = (m: ReturnType<typeof readOnScrape>) => r.registerMetric(m as never)
  add(
    readOnScrape('shoal_orders_total', 'Orders by outcome: submitted to the venue, filled, canceled, rejected by the venue, denied by the risk gate.', 'counter', () => {
      const c = engine.metrics.totals()
      return (['submitted', 'filled', 'canceled', 'rejected', 'denied'] as const).map((status) => ({ labels: { status }, value: c[status] }))
    }),
  )
  add(readOnScrape('shoal_fills_total', 'Fills received.', 'counter', () => [{ value: engine.metrics.totals().fills }]))
  add(readOnScrape('shoal_signals_total', 'Signal rounds delivered to the strategies.', 'counter', () => [{ value: engine.metrics.totals().signals }]))
  add(
    readOnScrape('shoal_settled_skips_total', "Strategies an intent equal to their pipeline's last one skipped (already at that target, nothing changed).", 'counter', () => [
      { value: engine.metrics.totals().settledSkips },
    ]),
  )
  add(readOnScrape('shoal_dropped_while_busy_total', 'Intents that found their actor busy (acted on later if still wanted).', 'counter', () => [{ value: engine.metrics.totals().droppedWhileBusy }]))
  add(
    readOnScrape('shoal_reaction_seconds', 'Signal emitted to exchange call issued, per acting strategy.', 'histogram', () =>
      histogramSamples('shoal_reaction_seconds', [engine.metrics.reactionTotal, engine.metrics.reaction]),
    ),
  )
  add(
    readOnScrape('shoal_block_reaction_seconds', 'Netting: signal emitted to the block order sent, per block (from its earliest child).', 'histogram', () =>
      histogramSamples('shoal_block_reaction_seconds', [engine.metrics.blockReaction]),
    ),
  )
  add(
    readOnScrape('shoal_sweep_seconds', 'One signal round delivered to every strategy.', 'histogram', () => histogramSamples('shoal_sweep_seconds', [engine.metrics.sweepTotal, engine.metrics.sweep])),
  )
  add(readOnScrape('shoal_event_loop_lag_seconds', 'Event-loop delay p99 over the current stats window.', 'gauge', () => [{ value: p.lag.peekP99() / 1000 }]))
  add(readOnScrape('shoal_sink_queue_events', 'Order events accepted and not yet written to the store.', 'gauge', () => [{ value: engine.acceptedEvents - engine.persistedEvents }]))
  add(readOnScrape('shoal_sink_lag_seconds', 'Age of the oldest order event not yet written.', 'gauge', () => [{ value: (engine.persistence?.lagMs() ?? 0) / 1000 }]))
  add(readOnScrape('shoal_persisted_events_total', 'Order events written to the store.', 'counter', () => [{ value: engine.persistedEvents }]))
  add(readOnScrape('shoal_in_flight_actions', 'Strategies with an exchange action in flight.', 'gauge', () => [{ value: engine.metrics.inFlight }]))
  add(readOnScrape('shoal_positions_open', 'Strategies holding a position.', 'gauge', () => [{ value: engine.metrics.positionsOpen }]))
  add(readOnScrape('shoal_strategies', 'Strategy actors in this run.', 'gauge', () => [{ value: engine.actors.length }]))
  add(readOnScrape('shoal_failed_actors', 'Strategy actors stopped by their own fault.', 'gauge', () => [{ value: engine.metrics.failedActors }]))
  add(
    readOnScrape('shoal_denials_total', 'Orders the risk gate refused, by reason.', 'counter', () =>
      Object.entries(risk.summary().deniedByReason).map(([reason, n]) => ({ labels: { reason }, value: n ?? 0 })),
    ),
  )
  add(readOnScrape('shoal_breaker_trips_total', 'Risk state changes (breaker trips, cool-downs, operator actions).', 'counter', () => [{ value: risk.trips.length }]))
  add(
    readOnScrape('shoal_trading_state', 'Global trading state: 1 for the current one.', 'gauge', () =>
      (['ACTIVE', 'REDUCING', 'HALTED'] as const).map((state) => ({ labels: { state }, value: risk.globalState === state ? 1 : 0 })),
    ),
  )
  add(readOnScrape('shoal_equity_quote', 'Portfolio equity in the quote currency (with capital per strategy).', 'gauge', () => [{ value: risk.portfolio().equity }]))
  add(readOnScrape('shoal_drawdown_ratio', 'Portfolio drawdown from its peak, 0 … 1.', 'gauge', () => [{ value: risk.portfolio().drawdown }]))
  add(readOnScrape('shoal_venue_reconnects_total', 'Venue stream reconnects.', 'counter', () => [{ value: p.reconnects?.() ?? 0 }]))
  if (engine.execution !== null) {
    const ex = engine.execution
    add(readOnScrape('shoal_execution_cost_bps', 'Mean total cost of execution so far: slippage vs the arrival mid + fees, bps.', 'gauge', () => [{ value: ex.costAvg() ?? 0 }]))
    add(readOnScrape('shoal_execution_works_total', 'Pieces of work the execution algorithm finished.', 'counter', () => [{ value: ex.works }]))
  }
  return r
}
