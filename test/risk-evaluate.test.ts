import { describe, expect, it } from 'vitest'
import { type ActorState, INITIAL_ACTOR_STATE } from '../actors/actor-state.ts'
import { DEFAULT_LIMITS } from '../actors/risk/limits.ts'
import { RiskManager, type RiskSubject } from '../actors/risk/risk-manager.ts'
import type { Market } from '../src/domain/market.ts'

const SYMBOLS = ['AAA/USDT', 'BBB/USDT', 'CCC/USDT']
const markets: Market[] = SYMBOLS.map((symbol) => ({ symbol, base: symbol.slice(0, 3), quote: 'USDT', lotSize: 1e-8, tickSize: 1e-8, minNotional: 0, makerFee: 0.001, takerFee: 0.001 }))
const held = (position: number, avgPrice: number, realizedPnl = 0, fees = 0): ActorState => ({ ...INITIAL_ACTOR_STATE, position, avgPrice, realizedPnl, fees, fills: 1 })

function subjects(symbolOf: (i: number) => string, stateOf: (i: number) => ActorState, n = 9): RiskSubject[] {
  return Array.from({ length: n }, (_, i) => ({ index: i, id: `s${i}`, symbol: symbolOf(i), state: stateOf(i) }))
}

/** The figures evaluate must produce, computed the plain way. */
function byHand(actors: readonly RiskSubject[], last: Record<string, number>, capital: number) {
  let equity = 0
  let gross = 0
  const net: Record<string, number> = {}
  for (const a of actors) {
    const s = a.state
    if (s.fills === 0) {
      equity += capital
      continue
    }
    const mark = last[a.symbol] ?? s.avgPrice
    equity += capital + s.realizedPnl - s.fees + s.position * (mark - s.avgPrice)
    gross += Math.abs(s.position) * mark
    if (s.position !== 0) net[a.symbol] = (net[a.symbol] ?? 0) + s.position
  }
  return { equity, gross, net }
}

describe('risk evaluation over every strategy', () => {
  it('marks each strategy to its own symbol (avg price where none traded), nets per symbol, and keeps each peak', () => {
    const risk = new RiskManager({ ...DEFAULT_LIMITS, capitalPerStrategy: 1_000 }, markets, 0)
    risk.onTrade('AAA/USDT', 110, 0)
    risk.onTrade('BBB/USDT', 20, 0)
    // Interleaved symbols, one strategy that never traded, long and short, CCC without a trade.
    const states = [held(1, 100, 5, 1), held(-2, 25), held(3, 50, 0, 0.5), INITIAL_ACTOR_STATE, held(2, 20), held(-1, 40, -3), held(0, 0, 7, 1), held(-4, 22), held(1, 60)]
    const actors = subjects(
      (i) => SYMBOLS[i % 3]!,
      (i) => states[i]!,
    )
    risk.evaluate(1_000, actors)
    const p = risk.portfolio()
    const want = byHand(actors, { 'AAA/USDT': 110, 'BBB/USDT': 20 }, 1_000)
    expect(p.equity).toBeCloseTo(want.equity, 9)
    expect(p.grossExposure).toBeCloseTo(want.gross, 9)
    expect(p.netBySymbol).toEqual(want.net)
    expect(p.netBySymbol).toEqual({ 'AAA/USDT': 1, 'BBB/USDT': -4, 'CCC/USDT': 3 })

    // AAA falls: the long AAA strategies are below the peak their ledgers saw at the last evaluation.
    risk.onTrade('AAA/USDT', 90, 2_000)
    risk.evaluate(2_000, actors)
    const l0 = risk.ledger(actors[0]!)
    expect(l0.peakEquity).toBeCloseTo(1_000 + 5 - 1 + 10, 9)
    expect(l0.equity).toBeCloseTo(1_000 + 5 - 1 - 10, 9)
    expect(l0.drawdown).toBeCloseTo(20 / 1_014, 9)
    expect(risk.ledger(actors[1]!).drawdown).toBe(0) // BBB unchanged
    // A reset starts the peak again from now.
    risk.resetStrategyBreaker(actors[0]!, 2_500)
    expect(risk.ledger(actors[0]!).drawdown).toBe(0)
  })

  it('stays right when the same indexes come with other symbols (another roster)', () => {
    const risk = new RiskManager({ ...DEFAULT_LIMITS, capitalPerStrategy: 1_000 }, markets, 0)
    for (const [i, s] of SYMBOLS.entries()) risk.onTrade(s, 10 * (i + 1), 0)
    const first = subjects(
      (i) => SYMBOLS[i % 3]!,
      () => held(1, 10),
    )
    risk.evaluate(1_000, first)
    expect(risk.portfolio().netBySymbol).toEqual({ 'AAA/USDT': 3, 'BBB/USDT': 3, 'CCC/USDT': 3 })
    const second = subjects(
      (i) => SYMBOLS[i < 7 ? 2 : 0]!,
      () => held(1, 10),
    )
    risk.evaluate(2_000, second)
    const want = byHand(second, { 'AAA/USDT': 10, 'BBB/USDT': 20, 'CCC/USDT': 30 }, 1_000)
    expect(risk.portfolio().netBySymbol).toEqual({ 'AAA/USDT': 2, 'CCC/USDT': 7 })
    expect(risk.portfolio().grossExposure).toBeCloseTo(want.gross, 9)
  })
})
