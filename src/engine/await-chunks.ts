import { concatMap, EMPTY, merge, range, tap, type Observable } from 'rxjs'
import type { OrderPath } from '../../actors/order-path.ts'
import type { StrategyActor } from '../../actors/strategy-actor.ts'
import type { OrderEvent } from '../domain/order.ts'

/**
 * Seed 000's MODE_AWAIT, for contrast with lock mode: actors in chunks of `size`; a chunk's actions
 * all have to finish before the next chunk is looked at, so one slow call holds up everyone after it.
 */
export function awaitChunks(actors: readonly StrategyActor[], size: number, path: OrderPath, accept: (e: OrderEvent) => void): Observable<unknown> {
  const n = Math.max(1, size)
  return range(0, Math.ceil(actors.length / n)).pipe(
    concatMap((c) => {
      const actions: Observable<OrderEvent>[] = []
      for (let i = c * n, end = Math.min(actors.length, i + n); i < end; i++) {
        const a = actors[i]!
        if (a.intent === null) continue
        if (path.wanted(a)) actions.push(path.act(a).pipe(tap(accept)))
        a.intent = null
      }
      return actions.length === 0 ? EMPTY : merge(...actions)
    }),
  )
}
