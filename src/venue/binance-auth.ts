import { createHmac, timingSafeEqual } from 'node:crypto'

/** A Binance error: HTTP status, Binance code, message — what ccxt's binance class parses. */
export class BinanceError extends Error {
  /** Extra response headers (Retry-After and the used-weight counters on a 429/418). */
  headers: Record<string, string> = {}
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message)
  }
}

export interface VenueCredentials {
  readonly apiKey: string
  readonly secret: string
}

export const INVALID_KEY = () => new BinanceError(401, -2015, 'Invalid API-key, IP, or permissions for action.')

/**
 * Checks a signed payload as Binance does: the key, the HMAC-SHA256 (hex) of exactly `payload`
 * under the secret, and the request's timestamp within `recvWindowMs` of the venue's clock.
 */
export function checkSigned(creds: VenueCredentials, apiKey: unknown, payload: string, signature: string | undefined, timestamp: unknown, recvWindowMs: number, now = Date.now()): void {
  if (apiKey !== creds.apiKey) throw INVALID_KEY()
  if (signature === undefined || signature === '') throw new BinanceError(400, -1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.")
  const given = Buffer.from(signature, 'utf8')
  const want = Buffer.from(createHmac('sha256', creds.secret).update(payload).digest('hex'), 'utf8')
  if (given.length !== want.length || !timingSafeEqual(given, want)) throw new BinanceError(400, -1022, 'Signature for this request is not valid.')
  const ts = Number(timestamp)
  if (!Number.isFinite(ts) || Math.abs(now - ts) > recvWindowMs) throw new BinanceError(400, -1021, 'Timestamp for this request is outside of the recvWindow.')
}

/** The WebSocket API's signing payload: every parameter but the signature, sorted by name, as `k=v&…`. */
export function wsApiPayload(params: Record<string, unknown>): string {
  return Object.keys(params)
    .filter((k) => k !== 'signature')
    .sort()
    .map((k) => `${k}=${String(params[k])}`)
    .join('&')
}
