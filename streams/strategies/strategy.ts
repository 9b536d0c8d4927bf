import type { OperatorFunction } from 'rxjs'
import type { Intent, StrategyInput } from '../../src/domain/intent.ts'

/** A strategy is a pure stream operator: inputs in, intents out. No I/O, no clock. */
export type Strategy = OperatorFunction<StrategyInput, Intent>

export interface ParamSpec {
  readonly default: number
  readonly min: number
  readonly max?: number
  readonly integer?: boolean
  readonly doc: string
}

/** A strategy's parameter values, by name, plus the symbol it trades. */
export type StrategyParams<K extends string> = { readonly [P in K]: number } & { readonly symbol: string }

/** A named strategy: its parameters, the shared streams it reads, and its operator factory. */
export interface StrategyDef<K extends string = string> {
  readonly name: string
  readonly description: string
  readonly inputs: { readonly signals: boolean; readonly market: boolean }
  /** CPU-heavy: runs in a worker thread when the engine has workers (a strategy entry's `thread` overrides). */
  readonly heavy?: boolean
  readonly params: { readonly [P in K]: ParamSpec }
  /** A cross-parameter rule; returns what is wrong, or null. */
  readonly check?: (p: { readonly [P in K]: number }) => string | null
  readonly create: (p: StrategyParams<K>) => Strategy
}

/** Helper that infers a definition's parameter names. */
export const defineStrategy = <K extends string>(def: StrategyDef<K>): StrategyDef<K> => def
