/**
 * Points a ccxt exchange instance at a local venue: every `urls.api` entry keeps its path and gets
 * `baseUrl` as its host (e.g. `http://127.0.0.1:8900`). This is all a plain ccxt script needs to
 * trade on `shoal exchange` instead of Binance.
 */
export function pointCcxtAt<T extends { urls: { api: unknown } }>(ex: T, baseUrl: string): T {
  const api = ex.urls.api as Record<string, string>
  for (const k of Object.keys(api)) api[k] = api[k]!.replace(/^https?:\/\/[^/]+/, baseUrl)
  return ex
}

/** ccxt binance options for a spot-only venue: no margin, futures or currency endpoints, no clock sync. */
export const SPOT_ONLY_OPTIONS = { fetchMarkets: ['spot'], fetchCurrencies: false, fetchMargins: false, adjustForTimeDifference: false, warnOnFetchOpenOrdersWithoutSymbol: false }
