import type { Observable, SchedulerLike } from 'rxjs'
import type { Logger } from 'pino'
import type { AlgoName, AlgoOptions } from '../../actors/algos/algo.ts'
import type { NettingOptions } from '../../actors/netting/netting-desk.ts'
import type { ActorState } from '../../actors/actor-state.ts'
import type { StrategyActor } from '../../actors/strategy-actor.ts'
import type { RiskManager } from '../../actors/risk/risk-manager.ts'
import type { StrategySpec } from '../../streams/strategies/grid.ts'
import type { Market } from '../domain/market.ts'
import type { SignalRound } from '../domain/signal.ts'
import type { ExchangePort } from '../exchange/port.ts'
import type { EventStore } from './event-persistence.ts'
import type { AllocatorOptions } from './capital-allocator.ts'

export type { EventStore } from './event-persistence.ts'

export type EngineMode = 'lock' | 'await'

export interface EngineOptions {
  readonly exchange: ExchangePort
  readonly markets: readonly Market[]
  readonly strategies: readonly StrategySpec[]
  /** Scheduled signal rounds; shared by the engine. */
  readonly signals?: Observable<SignalRound>
  /** lock: one in-flight action per actor, nobody waits. await: seed 000's baseline, chunks wait for their calls. */
  readonly mode?: EngineMode
  /** Actors per chunk in await mode. */
  readonly chunkSize?: number
  /**
   * Lock mode: an intent equal to its pipeline's last one skips the actors already at that target
   * whose state and size have not changed (they would decide nothing). Default true; false asks every
   * actor on every intent (the reference behaviour the skip is tested against).
   */
  readonly skipSettled?: boolean
  readonly scheduler?: SchedulerLike
  /** High-resolution clock in ms for latency figures (default performance.now). */
  readonly clock?: () => number
  /** Prefix of client order ids; unique per run. */
  readonly runTag?: string
  readonly store?: EventStore
  readonly sinkWindowMs?: number
  readonly sinkMaxBatch?: number
  /** Unwritten events beyond which new entries are halted until the store catches up. */
  readonly maxQueuedEvents?: number
  /** First retry delay after a failed store write (doubles, capped at 5 s). */
  readonly storeRetryMs?: number
  /** The risk gate between decide and execute; none means every decided order goes out. */
  readonly risk?: RiskManager
  /** How often the risk manager re-marks exposure and runs its breakers. */
  readonly riskEveryMs?: number
  /**
   * Net the strategies' orders per symbol into block orders (crossing opposite interest internally and
   * allocating fills back); none = every strategy sends its own venue orders.
   */
  readonly netting?: Partial<NettingOptions>
  /** Work orders with an execution algorithm (and measure execution quality); none = plain market orders. */
  readonly execution?: { readonly algo: AlgoName; readonly options?: Partial<AlgoOptions> }
  readonly orderTimeoutMs?: number
  readonly maxAttempts?: number
  readonly retryDelayMs?: number
  /**
   * Engine-side deadline on every venue call (default 5 s): past it the outcome is unknown and the
   * order is looked up by client order id, never sent twice. 0 turns it off.
   */
  readonly callTimeoutMs?: number
  /** How late a sent request may still be acted on by the venue (its recvWindow); see OrderActionContext. */
  readonly recvWindowMs?: number
  readonly logger?: Logger
  /**
   * Run this (a young-generation GC) when a burst of actions has ended, so the next round starts on
   * an empty nursery; see QuietCollector. Sessions pass V8's when exposed; none: left to V8.
   */
  readonly collectWhenQuiet?: () => void
  /**
   * Worker threads for heavy strategy pipelines (seed 002's macro layer): strategies whose definition
   * is `heavy`, or whose entry says `thread: 'worker'`, compute there; 0 (default) runs every
   * pipeline on the main thread.
   */
  readonly workers?: number
  /** Online capital re-weighting (Hedge); none: every strategy keeps its configured size. */
  readonly allocator?: AllocatorOptions
  /** Strategy module files the workers load (default: every module this process loaded). */
  readonly strategyModules?: readonly string[]
  /** Called on every fill with the actor's state before and after it (a backtest's ledger). */
  readonly onFill?: (actor: StrategyActor, before: ActorState, after: ActorState) => void
}
