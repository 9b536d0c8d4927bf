import { gaussian, prng } from '../../util/random.ts'

export type Scenario = 'calm' | 'trend' | 'crash' | 'volatile'

/** Per-tick parameters of a scenario: drift, calm volatility, and the odds of switching volatility regime. */
const SCENARIOS: Record<Scenario, { drift: number; sigma: number; toVolatile: number; toCalm: number; volMult: number }> = {
  calm: { drift: 0, sigma: 0.0006, toVolatile: 0.002, toCalm: 0.1, volMult: 3 },
  trend: { drift: 0.0002, sigma: 0.0006, toVolatile: 0.005, toCalm: 0.05, volMult: 3 },
  crash: { drift: -0.0015, sigma: 0.001, toVolatile: 0.05, toCalm: 0.01, volMult: 4 },
  volatile: { drift: 0, sigma: 0.0012, toVolatile: 0.02, toCalm: 0.02, volMult: 5 },
}

/**
 * A seeded geometric random walk with drift and two volatility regimes (calm / volatile) that switch
 * as a Markov chain. One `step()` per market tick.
 */
export class PricePath {
  price: number
  volatile = false
  private readonly rand: () => number
  private readonly p: (typeof SCENARIOS)[Scenario]

  constructor(start: number, seed: number, scenario: Scenario = 'calm') {
    this.price = start
    this.rand = prng(seed)
    this.p = SCENARIOS[scenario]
  }

  /** Advances one tick; returns the new price. */
  step(): number {
    const p = this.p
    if (this.rand() < (this.volatile ? p.toCalm : p.toVolatile)) this.volatile = !this.volatile
    const sigma = this.volatile ? p.sigma * p.volMult : p.sigma
    this.price *= Math.exp(p.drift - (sigma * sigma) / 2 + sigma * gaussian(this.rand))
    return this.price
  }

  /** A uniform draw from this path's own stream (sizes, sides). */
  uniform(): number {
    return this.rand()
  }
}
