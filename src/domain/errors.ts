/** Base of shoal's errors: `name` set, `cause` kept. */
export class ShoalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
  }
}

/** An exchange call whose outcome is unknown (network, timeout, rate limit): safe to retry with the same client order id. */
export class RetryableExchangeError extends ShoalError {
  constructor(
    message: string,
    readonly code: 'network' | 'timeout' | 'rate_limit',
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** An exchange call that failed for good (rejected, invalid, insufficient funds): retrying will not help. */
export class FinalExchangeError extends ShoalError {
  constructor(
    message: string,
    readonly code: 'rejected' | 'invalid' | 'insufficient_funds' | 'not_found' | 'duplicate' | 'rate_limited',
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/**
 * A new order the venue refused for its rate limits (HTTP 429/418): it was not placed — the outcome
 * is known — and no order should go out again before `retryAfterMs`.
 */
export class RateLimitedError extends FinalExchangeError {
  constructor(
    message: string,
    readonly retryAfterMs: number,
    options?: { cause?: unknown },
  ) {
    super(message, 'rate_limited', options)
  }
}

/** A bad command-line flag or config value. `path` names it (e.g. `--strategies`). */
export class ConfigError extends ShoalError {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`)
  }
}
