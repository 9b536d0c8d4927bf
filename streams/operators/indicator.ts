import { Observable, type OperatorFunction } from 'rxjs'
import { EMA, SMA } from 'trading-signals'
import type { Reading } from './reading'

/** The part of a trading-signals indicator we use: feed a number, get a result once warmed up. */
export interface NumericIndicator {
  add(input: number): number | null
}

/**
 * An indicator as an operator (emits once warmed up) that can also make a fresh indicator, so
 * combinators such as `crossover` drive two in lockstep without multicasting.
 */
export interface IndicatorOperator extends OperatorFunction<Reading, Reading> {
  create(): NumericIndicator
  readonly label: string
}

/** Wraps a trading-signals indicator factory as an operator. */
export function indicator(label: string, create: () => NumericIndicator): IndicatorOperator {
  const op = ((source: Observable<Reading>) =>
    new Observable<Reading>((subscriber) => {
      const ind = create()
      return source.subscribe({
        next: (r) => {
          const v = ind.add(r.value)
          if (v !== null && v !== undefined) subscriber.next({ value: Number(v), ts: r.ts })
        },
        error: (e) => subscriber.error(e),
        complete: () => subscriber.complete(),
      })
    })) as IndicatorOperator
  return Object.assign(op, { create, label })
}

/** Simple moving average over `period` readings (trading-signals `SMA`). */
export const sma = (period: number): IndicatorOperator => indicator(`sma(${period})`, () => new SMA(period))

/** Exponential moving average (trading-signals `EMA`). */
export const ema = (period: number): IndicatorOperator => indicator(`ema(${period})`, () => new EMA(period))
