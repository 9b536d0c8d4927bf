import type { Quote, Side } from '../../src/domain/market.ts'
import { roundTo } from '../../src/util/numbers.ts'
import { farOf, midOf, touchOf, type AlgoOptions, type ExecutionAlgo, type MidMotion } from './algo.ts'
import { workOrder } from './working-order.ts'

/** The adaptive chase's knobs, with their defaults filled in. */
export interface AdaptiveKnobs {
  readonly insideShare: number
  readonly cutBps: number
  readonly trendHorizonMs: number
  readonly trendZ: number
  readonly imbalanceTake: number
  readonly volTake: number
  readonly followTouch: boolean
  readonly repriceTicks: number
}

/** Defaults chosen on the execution-cost bench over tuning seeds apart from the reported ones (README). */
export const ADAPTIVE_DEFAULTS: Omit<AdaptiveKnobs, 'repriceTicks'> = { insideShare: 0, cutBps: 25, trendHorizonMs: 3_000, trendZ: 1, imbalanceTake: 0.6, volTake: 4, followTouch: false }

export const adaptiveKnobs = (o: AlgoOptions): AdaptiveKnobs => ({
  insideShare: o.insideShare ?? ADAPTIVE_DEFAULTS.insideShare,
  cutBps: o.cutBps ?? ADAPTIVE_DEFAULTS.cutBps,
  trendHorizonMs: o.trendHorizonMs ?? ADAPTIVE_DEFAULTS.trendHorizonMs,
  trendZ: o.trendZ ?? ADAPTIVE_DEFAULTS.trendZ,
  imbalanceTake: o.imbalanceTake ?? ADAPTIVE_DEFAULTS.imbalanceTake,
  volTake: o.volTake ?? ADAPTIVE_DEFAULTS.volTake,
  followTouch: o.followTouch ?? ADAPTIVE_DEFAULTS.followTouch,
  repriceTicks: o.repriceTicks,
})

const mid = midOf
const ours = touchOf
const far = farOf

/**
 * Where to rest: `insideShare` of the room inside the spread from our touch, on the tick grid, never
 * crossing (at least one tick short of the far touch). A one-tick spread leaves no room: join the touch.
 */
export function restingPrice(side: Side, q: Quote, tick: number, insideShare: number): number {
  const room = Math.max(0, Math.round((q.ask - q.bid) / tick) - 1)
  const step = Math.min(room, Math.floor(room * insideShare + 1e-9))
  return roundTo(side === 'buy' ? q.bid + step * tick : q.ask - step * tick, tick)
}

/**
 * Whether a resting order at `current` should move: someone is now ahead of us at a better price, or
 * the book has left us overpaying by `repriceTicks`. Level with our touch we may be the touch
 * ourselves, so we stay (else we would chase our own order up).
 */
export function shouldReprice(side: Side, current: number, q: Quote, tick: number, k: AdaptiveKnobs): boolean {
  const touch = ours(side, q)
  const eps = tick * 1e-6
  const outbid = side === 'buy' ? touch > current + eps : touch < current - eps
  if (outbid) return k.followTouch
  if (Math.abs(touch - current) <= eps) return false
  const target = restingPrice(side, q, tick, k.insideShare)
  return side === 'buy' ? target <= current - k.repriceTicks * tick + eps : target >= current + k.repriceTicks * tick - eps
}

/** What the take decision looks at: the book now, where it was at arrival, and the symbol's drift. */
export interface TakeView {
  readonly side: Side
  readonly quote: Quote
  readonly arrival: Quote
  /** How the symbol's mid has been moving lately, when known. */
  readonly motion: MidMotion | undefined
  /** Maker and taker fee rates of the market. */
  readonly makerFee: number
  readonly takerFee: number
}

export type TakeReason = 'ran' | 'trend' | 'volatile' | 'imbalance'

/**
 * Whether to stop resting and take now (pure), and why:
 * - `ran`: our touch has run `cutBps` against us since arrival — cut the run-away tail early instead
 *   of following it to a far guard;
 * - `trend`: the symbol's drift against us, over `trendHorizonMs`, is more than resting could save
 *   (half the spread plus the taker–maker fee gap) — a passive order would be left behind;
 * - `volatile`: the mid moves more in a second than `volTake` times that saving — a resting order is
 *   filled only when the market has just gone through it (adverse selection), so it costs more than
 *   it saves;
 * - `imbalance`: the book leans `imbalanceTake` to our side — the far touch is thin and about to go.
 */
export function takeReason(v: TakeView, k: AdaptiveKnobs): TakeReason | null {
  const m0 = mid(v.arrival)
  const sign = v.side === 'buy' ? 1 : -1
  const ran = ((sign * (ours(v.side, v.quote) - ours(v.side, v.arrival))) / m0) * 1e4
  if (ran >= k.cutBps) return 'ran'
  if (v.motion !== undefined) {
    const m = mid(v.quote)
    const saving = (((far(v.side, v.quote) - m) * sign) / m) * 1e4 + (v.takerFee - v.makerFee) * 1e4
    const adverse = sign * v.motion.driftBpsPerS
    const trending = Math.abs(v.motion.driftBpsPerS) > k.trendZ * v.motion.driftErrBpsPerS
    if (k.trendHorizonMs > 0 && trending && adverse * (k.trendHorizonMs / 1000) > saving) return 'trend'
    // A drift our way brings the market to us: resting wins however much it shakes on the way — when
    // the drift is clearly there (twice the evidence a trend against us needs: shaking costs more).
    const clearly = Math.abs(v.motion.driftBpsPerS) > 2 * Math.max(1, k.trendZ) * v.motion.driftErrBpsPerS
    const favoured = clearly && -adverse * (k.trendHorizonMs / 1000) > saving
    if (k.volTake > 0 && !favoured && v.motion.volBpsPerSqrtS > k.volTake * saving) return 'volatile'
  }
  const mine = v.side === 'buy' ? v.quote.bidSize : v.quote.askSize
  const theirs = v.side === 'buy' ? v.quote.askSize : v.quote.bidSize
  if (mine + theirs > 0 && (mine - theirs) / (mine + theirs) >= k.imbalanceTake) return 'imbalance'
  return null
}

/**
 * Adaptive chase: rests inside the spread (`insideShare`) and decides at every book change whether to
 * keep resting, re-price (outbid, or overpaying) or take (see `takeReason`), within the `maxWorkMs`
 * budget after which the fallback applies. The plain chase follows the touch to a far guard; this one
 * cuts the run-away early and takes at once when the book is leaving, so most work still fills
 * passively while the tail costs little more than a market order.
 */
export const adaptiveChase: ExecutionAlgo = (ctx, job) => {
  const tick = job.market.tickSize
  const k = adaptiveKnobs(ctx.options)
  const symbol = job.market.symbol
  return workOrder(ctx, job, {
    algo: 'adaptive',
    price: (q) => restingPrice(job.side, q, tick, k.insideShare),
    reprice: (current, q) => shouldReprice(job.side, current, q, tick, k),
    take: (q) => takeReason({ side: job.side, quote: q, arrival: job.arrival, motion: ctx.trend?.(symbol), makerFee: job.market.makerFee, takerFee: job.market.takerFee }, k) !== null,
  })
}
