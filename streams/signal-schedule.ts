import { asyncScheduler, map, take, type Observable, type SchedulerLike } from 'rxjs'
import { periodic } from './periodic.ts'
import type { Signal, SignalRound, SignalValue } from '../src/domain/signal.ts'
import { hash01 } from '../src/util/random.ts'

export interface SignalScheduleOptions {
  /** Number of strategy groups; each gets its own signal every round. */
  readonly groups: number
  readonly everyMs: number
  readonly seed: number
  /** Probability of an enter signal per group and round (default 0.4). */
  readonly pEnter?: number
  /** Probability of an exit signal (default 0.4); the rest is "none". */
  readonly pExit?: number
  /** Stop after this many rounds (default: never). */
  readonly rounds?: number
  readonly scheduler?: SchedulerLike
}

/** Group `group`'s signal in `round`: fixed by seed, round and group alone. */
export function signalValue(seed: number, round: number, group: number, pEnter = 0.4, pExit = 0.4): SignalValue {
  const u = hash01(seed, round, group)
  return u < pEnter ? 1 : u < pEnter + pExit ? -1 : 0
}

export function signalRound(o: SignalScheduleOptions, round: number, ts: number): SignalRound {
  const values = new Int8Array(o.groups)
  for (let g = 0; g < o.groups; g++) values[g] = signalValue(o.seed, round, g, o.pEnter, o.pExit)
  return { round, ts, values }
}

/**
 * Seed 000's schedule: every `everyMs` each group gets enter / exit / none, deterministic for a seed.
 * Cold; the engine shares it. Round numbers start at 1.
 */
export const signalSchedule = (o: SignalScheduleOptions): Observable<SignalRound> => {
  const scheduler = o.scheduler ?? asyncScheduler
  const rounds$ = periodic(o.everyMs, scheduler).pipe(map((i) => signalRound(o, i + 1, scheduler.now())))
  return o.rounds === undefined ? rounds$ : rounds$.pipe(take(o.rounds))
}

/** Group `group`'s signal out of a round. */
export const signalOf = (r: SignalRound, group: number): Signal => ({
  kind: 'signal',
  group,
  value: r.values[group] as SignalValue,
  round: r.round,
  ts: r.ts,
})
