/**
 * Points a ccxt exchange instance at a local venue: every `urls.api` entry (nested ones too, such as
 * ccxt.pro's `ws` and `ws-api`) keeps its path and gets the venue as its host — `http://127.0.0.1:P`
 * for REST, `ws://127.0.0.1:P` for websockets. This is all a plain ccxt script needs to trade on
 * `shoal exchange` instead of Binance.
 */
export function pointCcxtAt<T extends { urls: { api: unknown } }>(ex: T, baseUrl: string): T {
  const http = baseUrl.replace(/\/$/, '')
  const ws = http.replace(/^http/, 'ws')
  const visit = (o: Record<string, unknown>) => {
    for (const k of Object.keys(o)) {
      const v = o[k]
      if (typeof v === 'string') o[k] = v.replace(/^https?:\/\/[^/]+/, http).replace(/^wss?:\/\/[^/]+/, ws)
      else if (typeof v === 'object' && v !== null) visit(v as Record<string, unknown>)
    }
  }
  visit(ex.urls.api as Record<string, unknown>)
  return ex
}

/** ccxt binance options for a spot-only venue: no margin, futures or currency endpoints, no clock sync. */
export const SPOT_ONLY_OPTIONS = { fetchMarkets: ['spot'], fetchCurrencies: false, fetchMargins: false, adjustForTimeDifference: false, warnOnFetchOpenOrdersWithoutSymbol: false }
