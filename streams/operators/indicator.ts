import type { OperatorFunction, Subscriber } from 'rxjs'
import { EMA, SMA } from 'trading-signals'
import type { Reading } from './reading.ts'
import { indicatorValue, ownIndicator, type OwnIndicator } from './shared-series.ts'
import { Stage, subscriberOperator } from './subscriber-operator.ts'

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

class IndicatorStage extends Stage<Reading, Reading> {
  private readonly own: OwnIndicator

  constructor(
    out: Subscriber<Reading>,
    private readonly label: string,
    private readonly create: () => NumericIndicator,
  ) {
    super(out)
    this.own = ownIndicator()
  }

  protected override _next(r: Reading): void {
    const v = indicatorValue(this.label, this.create, this.own, r)
    if (v !== null) this.out.next({ value: v, ts: r.ts })
  }
}

/**
 * Wraps a trading-signals indicator factory as an operator. `label` names the computation: on a
 * shared price series, indicators with the same label are computed once for every pipeline
 * (shared-series.ts), so two different computations must never share a label.
 */
export function indicator(label: string, create: () => NumericIndicator): IndicatorOperator {
  const op = subscriberOperator<Reading, Reading>((out) => new IndicatorStage(out, label, create))
  return Object.assign(op, { create, label })
}

/** Simple moving average over `period` readings (trading-signals `SMA`). */
export const sma = (period: number): IndicatorOperator => indicator(`sma(${period})`, () => new SMA(period))

/** Exponential moving average (trading-signals `EMA`). */
export const ema = (period: number): IndicatorOperator => indicator(`ema(${period})`, () => new EMA(period))
