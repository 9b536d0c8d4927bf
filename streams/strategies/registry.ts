import { ConfigError } from '../../src/domain/errors.ts'
import { arForecast } from './ar-forecast.ts'
import { followSignal } from './follow-signal.ts'
import { meanReversion } from './mean-reversion.ts'
import { smaCross } from './sma-cross.ts'
import type { Strategy, StrategyDef, StrategyParams } from './strategy.ts'

/** The strategies shoal ships, by name. Add yours with `registerStrategy`. */
const registry = new Map<string, StrategyDef>([
  [followSignal.name, followSignal as unknown as StrategyDef],
  [smaCross.name, smaCross as unknown as StrategyDef],
  [meanReversion.name, meanReversion as unknown as StrategyDef],
  [arForecast.name, arForecast as unknown as StrategyDef],
])

export function registerStrategy<K extends string>(def: StrategyDef<K>): void {
  registry.set(def.name, def as unknown as StrategyDef)
}

export const strategyNames = (): string[] => [...registry.keys()]

export function getStrategy(name: string, path = 'strategy'): StrategyDef {
  const def = registry.get(name)
  if (def === undefined) throw new ConfigError(path, `unknown strategy '${name}' (known: ${strategyNames().join(', ')})`)
  return def
}

/** Fills defaults and checks every parameter; errors name the parameter's path. */
export function parseParams(def: StrategyDef, raw: Readonly<Record<string, unknown>>, path: string): Record<string, number> {
  for (const k of Object.keys(raw)) {
    if (!(k in def.params)) throw new ConfigError(`${path}.${k}`, `unknown parameter of ${def.name} (known: ${Object.keys(def.params).join(', ')})`)
  }
  const out: Record<string, number> = {}
  for (const [k, spec] of Object.entries(def.params)) {
    const v = raw[k] ?? spec.default
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(`${path}.${k}`, `expected a number, got ${JSON.stringify(v)}`)
    if (spec.integer && !Number.isInteger(v)) throw new ConfigError(`${path}.${k}`, `expected an integer, got ${v}`)
    if (v < spec.min || (spec.max !== undefined && v > spec.max)) throw new ConfigError(`${path}.${k}`, `expected ${spec.min} to ${spec.max ?? '∞'}, got ${v}`)
    out[k] = v
  }
  const problem = def.check?.(out)
  if (problem) throw new ConfigError(path, problem)
  return out
}

/** Builds `def`'s operator for already parsed `params` on `symbol`. */
export const instantiate = (def: StrategyDef, params: Readonly<Record<string, number>>, symbol: string): Strategy => def.create({ ...params, symbol } as StrategyParams<string>)

/** Builds the operator of `name` with `params` for `symbol`. */
export function createStrategy(name: string, params: Readonly<Record<string, unknown>>, symbol: string): Strategy {
  const def = getStrategy(name)
  return instantiate(def, parseParams(def, params, name), symbol)
}
