import ccxt from 'ccxt'
import { describe, expect, it } from 'vitest'
import { type FinalExchangeError, RetryableExchangeError } from '../src/domain/errors.ts'
import { toExchangeError, toExchangeOrder } from '../src/exchange/ccxt/ccxt-mapper.ts'

describe('ccxt mapper', () => {
  it('splits ccxt errors into retryable (outcome unknown) and final, with the codes the execution uses', () => {
    const map = (e: Error) => {
      const r = toExchangeError(e)
      return r instanceof RetryableExchangeError ? `retry:${r.code}` : `final:${(r as FinalExchangeError).code}`
    }
    expect(map(new ccxt.RequestTimeout('t'))).toBe('retry:timeout')
    expect(map(new ccxt.NetworkError('n'))).toBe('retry:network')
    expect(map(new ccxt.ExchangeNotAvailable('down'))).toBe('retry:network')
    expect(map(new ccxt.RateLimitExceeded('slow'))).toBe('retry:rate_limit')
    expect(map(new ccxt.DDoSProtection('ddos'))).toBe('retry:rate_limit')
    expect(map(new ccxt.OrderNotFound('gone'))).toBe('final:not_found')
    expect(map(new ccxt.InvalidOrder('binance {"code":-2010,"msg":"Duplicate order sent."}'))).toBe('final:duplicate')
    expect(map(new ccxt.InsufficientFunds('poor'))).toBe('final:insufficient_funds')
    expect(map(new ccxt.InvalidOrder('bad'))).toBe('final:invalid')
    expect(map(new ccxt.AuthenticationError('who'))).toBe('final:rejected')
  })

  it('maps a unified order and its trades; fees in quote', () => {
    const o = toExchangeOrder({
      id: '7',
      clientOrderId: 'c',
      symbol: 'BTC/USDT',
      side: 'sell',
      type: 'limit',
      amount: 2,
      price: 100,
      status: 'open',
      filled: 1,
      average: 100,
      timestamp: 5,
      trades: [{ id: 't1', price: 100, amount: 1, fee: { cost: 0.02, currency: 'USDT' }, takerOrMaker: 'maker', timestamp: 6 }],
    })
    expect(o).toEqual({
      id: '7',
      clientOrderId: 'c',
      symbol: 'BTC/USDT',
      side: 'sell',
      type: 'limit',
      amount: 2,
      price: 100,
      status: 'open',
      filled: 1,
      average: 100,
      timestamp: 5,
      trades: [{ id: 't1', price: 100, amount: 1, fee: 0.02, takerOrMaker: 'maker', timestamp: 6 }],
    })
    expect(toExchangeOrder({ id: '8', symbol: 'X/USDT', status: 'canceled' }, 'fallback')).toMatchObject({ clientOrderId: 'fallback', status: 'canceled', type: 'market', price: null })
  })
})
