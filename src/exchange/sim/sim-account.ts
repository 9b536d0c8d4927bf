import type { Market } from '../../domain/market.ts'
import { FinalExchangeError } from '../../domain/errors.ts'
import type { Balance } from '../port.ts'
import type { SimOrder } from './sim-order.ts'

/**
 * The simulator's account: free and used balance per asset, funds checked when an order arrives,
 * reserved while it rests, and moved (with the maker or taker fee) as it fills.
 */
export class SimAccount {
  private readonly balances = new Map<string, { free: number; used: number }>()

  constructor(markets: readonly Market[], quoteBalance: number) {
    for (const m of markets) this.balances.set(m.base, { free: 0, used: 0 })
    this.balances.set('USDT', { free: quoteBalance, used: 0 })
  }

  /** Refuses an order the free balance cannot pay for: a buy at `worstPrice` with the taker fee, or a sell of more base than is free. */
  checkFunds(m: Market, side: 'buy' | 'sell', amount: number, worstPrice: number): void {
    if (side === 'buy') {
      if (this.get(m.quote).free < amount * worstPrice * (1 + m.takerFee)) throw new FinalExchangeError(`insufficient ${m.quote} balance`, 'insufficient_funds')
    } else if (this.get(m.base).free < amount - 1e-12) {
      throw new FinalExchangeError(`insufficient ${m.base} balance`, 'insufficient_funds')
    }
  }

  /** Holds what the rest of a resting order may need: quote at its price plus the maker fee for a buy, base for a sell. */
  reserve(m: Market, v: SimOrder): void {
    const rest = v.req.amount - v.filled
    if (v.req.side === 'buy') {
      v.reserved = rest * v.req.price! * (1 + m.makerFee)
      this.move(m.quote, v.reserved)
    } else {
      v.reserved = rest
      this.move(m.base, rest)
    }
  }

  /** Books one fill of `v`: releases its share of the reservation and swaps base for quote; returns the fee. */
  settle(m: Market, v: SimOrder, price: number, amount: number, liquidity: 'maker' | 'taker'): number {
    const notional = price * amount
    const fee = notional * (liquidity === 'maker' ? m.makerFee : m.takerFee)
    const base = this.get(m.base)
    const quote = this.get(m.quote)
    if (v.req.side === 'buy') {
      if (v.reserved > 0) {
        const release = Math.min(v.reserved, amount * v.req.price! * (1 + m.makerFee))
        v.reserved -= release
        this.move(m.quote, -release)
      }
      quote.free -= notional + fee
      base.free += amount
    } else {
      if (v.reserved > 0) {
        const release = Math.min(v.reserved, amount)
        v.reserved -= release
        this.move(m.base, -release)
      }
      base.free -= amount
      quote.free += notional - fee
    }
    return fee
  }

  /** Returns what is still reserved for an order that stopped resting. */
  release(m: Market, v: SimOrder): void {
    if (v.reserved <= 0) return
    this.move(v.req.side === 'buy' ? m.quote : m.base, -v.reserved)
    v.reserved = 0
  }

  /** Every asset's balance now. */
  all(): Record<string, Balance> {
    const out: Record<string, Balance> = {}
    for (const [asset, b] of this.balances) out[asset] = { free: b.free, used: b.used, total: b.free + b.used }
    return out
  }

  private get(asset: string): { free: number; used: number } {
    return this.balances.get(asset)!
  }

  /** free → used (amount > 0) or back (amount < 0). */
  private move(asset: string, amount: number): void {
    const b = this.get(asset)
    b.free -= amount
    b.used += amount
  }
}
