import type { OperatorFunction } from 'rxjs'
import type { Intent, StrategyInput } from '../../src/domain/intent'

/** A strategy is a pure stream operator: inputs in, intents out. No I/O, no clock. */
export type Strategy = OperatorFunction<StrategyInput, Intent>

export interface ParamSpec {
  readonly default: number
  readonly min: number
  readonly max?: number
  readonly integer?: boolean
  readonly doc: string
}

/** A named strategy: its parameters, the shared streams it reads, and its operator factory. */
export interface StrategyDef<P extends Record<string, number> = Record<string, number>> {
  readonly name: string
  readonly description: string
  readonly inputs: { readonly signals: boolean; readonly market: boolean }
  readonly params: { readonly [K in keyof P]: ParamSpec }
  /** A cross-parameter rule; returns what is wrong, or null. */
  readonly check?: (p: P) => string | null
  readonly create: (p: P & { readonly symbol: string }) => Strategy
}

/** Helper that keeps a definition's parameter type. */
export const defineStrategy = <P extends Record<string, number>>(def: StrategyDef<P>): StrategyDef<P> => def
