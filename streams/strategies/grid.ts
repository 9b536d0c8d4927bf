import { ConfigError } from '../../src/domain/errors.ts'
import { getStrategy, parseParams } from './registry.ts'

/** One strategy to run: which, with what parameters, on which symbol, in which signal group, at what size. */
export interface StrategySpec {
  readonly id: string
  readonly strategy: string
  readonly params: Readonly<Record<string, number>>
  readonly symbol: string
  readonly group: number
  /** Base amount of a full position (weight 1). */
  readonly size: number
  /** Quote notional of a full position, sized at each order's last price instead of `size` (backtests). */
  readonly notional?: number
  /** Run the pipeline in a worker thread or on the main thread (default: the definition's `heavy`, when the engine has workers). */
  readonly thread?: 'main' | 'worker'
}

/** A parameter grid: every combination of the listed values × every symbol. */
export interface GridSpec {
  readonly strategy: string
  readonly params?: Readonly<Record<string, number | readonly number[]>>
  readonly symbols: readonly string[]
  /** Stop after this many strategies; when larger than the grid, the grid repeats (distinct ids, same parameters). */
  readonly count?: number
  /** Signal groups the strategies are spread over (index mod groups). */
  readonly groups?: number
  readonly size?: number
  /** Per-symbol size, overriding `size` (e.g. a quote notional turned into lots at the current price). */
  readonly sizeOf?: (symbol: string) => number
  /** Size every order by this quote notional at the order's price (instead of a fixed `size`). */
  readonly notional?: number
  /** Prefix of the ids (default: the strategy name). */
  readonly idPrefix?: string
  /** Index of the first strategy, for ids unique across several grids. */
  readonly offset?: number
  readonly thread?: 'main' | 'worker'
}

/** Every combination of the given parameter values, in a stable order. */
export function combinations(params: Readonly<Record<string, number | readonly number[]>>): Record<string, number>[] {
  let out: Record<string, number>[] = [{}]
  for (const [k, v] of Object.entries(params)) {
    const values = Array.isArray(v) ? v : [v as number]
    if (values.length === 0) throw new ConfigError(`params.${k}`, 'expected at least one value')
    out = out.flatMap((c) => values.map((x) => ({ ...c, [k]: x })))
  }
  return out
}

/**
 * Expands a grid into strategy specs: symbols vary fastest, then parameter combinations. Every
 * combination is validated once (errors name the parameter).
 */
export function expandGrid(g: GridSpec, path = 'grid'): StrategySpec[] {
  const def = getStrategy(g.strategy, `${path}.strategy`)
  if (g.symbols.length === 0) throw new ConfigError(`${path}.symbols`, 'expected at least one symbol')
  const combos = combinations(g.params ?? {}).map((c) => parseParams(def, c, `${path}.params`))
  const full = combos.length * g.symbols.length
  const count = g.count ?? full
  const groups = g.groups ?? 1
  const size = g.size ?? 1
  const prefix = g.idPrefix ?? g.strategy
  const offset = g.offset ?? 0
  const out: StrategySpec[] = new Array(count)
  const sizes = new Map(g.symbols.map((s) => [s, g.sizeOf?.(s) ?? size]))
  for (const [s, v] of sizes) if (!(v > 0)) throw new ConfigError(`${path}.size`, `size for ${s} must be positive, got ${v}`)
  for (let i = 0; i < count; i++) {
    const k = i % full
    const symbol = g.symbols[k % g.symbols.length]!
    out[i] = {
      id: `${prefix}-${offset + i}`,
      strategy: g.strategy,
      params: combos[Math.floor(k / g.symbols.length)]!,
      symbol,
      group: (offset + i) % groups,
      size: sizes.get(symbol)!,
      ...(g.notional !== undefined ? { notional: g.notional } : {}),
      ...(g.thread !== undefined ? { thread: g.thread } : {}),
    }
  }
  return out
}
