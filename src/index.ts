/**
 * shoal's public API: `import { defineStrategy, prices, crossover, ema, toTarget } from 'shoal'`.
 * Strategy modules (config `modules:`, `--module FILE`) import from here, from anywhere on disk.
 */
// Composing strategies as stream operators.
export { defineStrategy, type ParamSpec, type Strategy, type StrategyDef, type StrategyParams } from '../streams/strategies/strategy.ts'
export { prices } from '../streams/operators/prices.ts'
export { crossover } from '../streams/operators/crossover.ts'
export { ema, indicator, sma, type IndicatorOperator, type NumericIndicator } from '../streams/operators/indicator.ts'
export { zscore } from '../streams/operators/zscore.ts'
export { arForecast, ArForecast } from '../streams/operators/ar-forecast.ts'
export { hysteresis, type HysteresisBands } from '../streams/operators/hysteresis.ts'
export { signals } from '../streams/operators/signals.ts'
export { toTarget } from '../streams/operators/to-target.ts'
export { Stage, subscriberOperator } from '../streams/operators/subscriber-operator.ts'
export type { Reading } from '../streams/operators/reading.ts'
export { registerStrategy, strategyNames, getStrategy, createStrategy } from '../streams/strategies/registry.ts'
export { expandGrid, type GridSpec, type StrategySpec } from '../streams/strategies/grid.ts'
// What strategies see and say.
export { target, type Intent, type OrderIntent, type StrategyInput, type TargetIntent } from './domain/intent.ts'
export type { Bar, Book, Market, MarketEvent, Quote, Side, Trade } from './domain/market.ts'
export type { Signal } from './domain/signal.ts'
// Running them.
export { Engine, type EngineOptions } from './engine/engine.ts'
export { SimExchange, type SimExchangeOptions } from './exchange/sim/sim-exchange.ts'
export { ReplayExchange, replayMarkets } from './exchange/replay/replay-exchange.ts'
export { runBacktest, type BacktestSpec, type BacktestResult } from './backtest/run-backtest.ts'
export { openRows, type DataRows } from './data/read-rows.ts'
export { inspectData, type DataInspection } from './data/inspect-data.ts'
export type { Candle, Print, DataFormat } from './data/market-rows.ts'
