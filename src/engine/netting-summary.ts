import type { NettingCounts } from '../../actors/netting/netting-desk.ts'
import type { LatencyHistogram } from './latency-histogram.ts'

const round = (x: number) => +x.toPrecision(12)

/** The summary's `netting` section; `blockReaction`: input dispatched → each block's venue order sent; `flush`: each flush of the desk. */
export function nettingSummary(c: NettingCounts, blockReaction?: LatencyHistogram, flush?: LatencyHistogram) {
  const r = blockReaction?.summary()
  const f = flush?.summary()
  const per = c.venueOrdersPerFlush.filter((n) => n > 0).sort((a, b) => a - b)
  const house: Record<string, number> = {}
  for (const [s, v] of Object.entries(c.house)) house[s] = round(v)
  const crossed: Record<string, number> = {}
  for (const [s, v] of Object.entries(c.crossedAmount)) crossed[s] = round(v)
  return {
    blocks: c.blocks,
    venueOrders: c.venueOrders,
    childOrders: c.childOrders,
    crosses: c.crosses,
    crossedAmount: crossed,
    allocations: c.allocations,
    house,
    venueOrdersPerRound: { p50: per.length === 0 ? 0 : per[Math.floor((per.length - 1) / 2)]!, max: per.length === 0 ? 0 : per[per.length - 1]! },
    ...(r === undefined ? {} : { blockReactionMs: { p50: round(r.p50), p99: round(r.p99), max: round(r.max) } }),
    ...(f === undefined ? {} : { flushMs: { p50: round(f.p50), p99: round(f.p99), max: round(f.max) } }),
  }
}
