import { NEVER } from 'rxjs'
import type { ExchangePort } from '../../src/exchange/port.ts'

/** A venue that never answers anything; a test overrides the calls it cares about with marble answers. */
export const silentVenue = (over: Partial<ExchangePort> = {}): ExchangePort => ({
  id: 'marble',
  loadMarkets: () => NEVER,
  createOrder: () => NEVER,
  cancelOrder: () => NEVER,
  fetchOrder: () => NEVER,
  fetchOpenOrders: () => NEVER,
  fetchOrders: () => NEVER,
  fetchMyTrades: () => NEVER,
  fetchBalance: () => NEVER,
  watchOrders: () => NEVER,
  watchMarket: () => NEVER,
  ...over,
})
