import { merge, type Observable, type Subscription } from 'rxjs'
import { LightSubscriber } from '../../streams/light-subscriber.ts'
import { IntentFeed, type StrategyActor } from '../../actors/strategy-actor.ts'
import type { Router } from '../../streams/router.ts'
import type { StrategySpec } from '../../streams/strategies/grid.ts'
import { getStrategy, instantiate } from '../../streams/strategies/registry.ts'
import type { StrategyDef } from '../../streams/strategies/strategy.ts'
import type { Intent, StrategyInput } from '../domain/intent.ts'

/** One operator pipeline and the actors that share it. */
export interface StrategyInstance {
  readonly key: string
  readonly def: StrategyDef
  readonly spec: StrategySpec
  readonly actors: StrategyActor[]
  /** The actors' indices, in the same order (read without touching the actors). */
  indices: Int32Array
  /** Generation of its feed's intent: a run of equal target intents is one generation. */
  intentGen: number
  /** Its latest intent, read by each of its actors (written once per intent, not into every actor). */
  readonly feed: IntentFeed
  /** Where the pipeline runs: on the main thread, or in a worker thread (the actors stay here either way). */
  readonly thread: 'main' | 'worker'
  sub: Subscription | null
}

/** Where a pipeline's intents and failure go (the engine). */
export interface InstanceSink {
  deliver(inst: StrategyInstance, intent: Intent): void
  failInstance(inst: StrategyInstance, err: unknown): void
}

const paramsKey = (p: Readonly<Record<string, number>>): string =>
  Object.keys(p)
    .sort()
    .map((k) => `${k}=${p[k]}`)
    .join(',')

/**
 * Groups strategies into shared pipelines: the same definition, parameters, symbol and (for
 * signal-driven ones) group compute the same intents, so they run once and fan out to their actors.
 * Also counts the actors each signal group and each symbol reaches, for the evaluation counters.
 */
export class StrategyInstances {
  private readonly byKey = new Map<string, StrategyInstance>()
  readonly signalActors: Int32Array
  readonly marketActors = new Map<string, number>()

  /** Every strategy's actor, by its index in the specs. */
  readonly actors: StrategyActor[]

  /**
   * @param makeActor builds the actor of `specs[index]`. Actors are built pipeline by pipeline, so
   *   that the actors one intent fans out to lie together in memory: at 100k strategies a pipeline's
   *   actors were otherwise strided across the heap (a grid spreads a pipeline over every n-th spec),
   *   a cache and TLB miss apiece.
   * @param workers worker threads the engine has: with none, every pipeline runs here; with some, a
   *   strategy entry's `thread` decides, else the definition's `heavy`.
   */
  constructor(specs: readonly StrategySpec[], makeActor: (spec: StrategySpec, index: number) => StrategyActor, groups: number, workers = 0) {
    this.signalActors = new Int32Array(groups)
    const members = new Map<StrategyInstance, number[]>()
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i]!
      const def = getStrategy(spec.strategy, `strategies[${i}].strategy`)
      const thread = workers > 0 && (spec.thread ?? (def.heavy ? 'worker' : 'main')) === 'worker' ? 'worker' : 'main'
      const key = `${def.name}|${spec.symbol}|${def.inputs.signals ? spec.group : '*'}|${paramsKey(spec.params)}|${thread}`
      let inst = this.byKey.get(key)
      if (inst === undefined) {
        this.byKey.set(key, (inst = { key, def, spec, actors: [], indices: new Int32Array(0), intentGen: 0, feed: new IntentFeed(), thread, sub: null }))
        members.set(inst, [])
      }
      members.get(inst)!.push(i)
      if (def.inputs.signals) this.signalActors[spec.group]! += 1
      if (def.inputs.market) this.marketActors.set(spec.symbol, (this.marketActors.get(spec.symbol) ?? 0) + 1)
    }
    const actors: StrategyActor[] = new Array<StrategyActor | null>(specs.length).fill(null) as StrategyActor[]
    for (const [inst, indices] of members) {
      for (const i of indices) {
        const actor = (actors[i] = makeActor(specs[i]!, i))
        actor.feed = inst.feed
        inst.actors.push(actor)
      }
      inst.indices = Int32Array.from(indices)
    }
    this.actors = actors
  }

  get size(): number {
    return this.byKey.size
  }

  /** The pipelines that run in worker threads. */
  inWorkers(): StrategyInstance[] {
    return [...this.byKey.values()].filter((i) => i.thread === 'worker')
  }

  /** Builds every main-thread pipeline and subscribes it to its routed inputs; a pipeline that cannot be built fails its actors. */
  subscribeAll(signals: Router<number, StrategyInput>, market: Router<string, StrategyInput>, sink: InstanceSink): void {
    for (const inst of this.byKey.values()) {
      if (inst.thread === 'worker') continue
      const { def, spec } = inst
      const sources: Observable<StrategyInput>[] = []
      if (def.inputs.signals) sources.push(signals.select(spec.group))
      if (def.inputs.market) sources.push(market.select(spec.symbol))
      const input$ = sources.length === 1 ? sources[0]! : merge(...sources)
      try {
        inst.sub = input$.pipe(instantiate(def, spec.params, spec.symbol)).subscribe(new InstanceSubscriber(sink, inst))
      } catch (err) {
        sink.failInstance(inst, err)
      }
    }
  }
}

/** The engine's end of one pipeline: a Subscriber subclass, no wrapper or closures per pipeline. */
class InstanceSubscriber extends LightSubscriber<Intent> {
  constructor(
    private readonly sink: InstanceSink,
    private readonly inst: StrategyInstance,
  ) {
    super()
  }

  protected override _next(intent: Intent): void {
    try {
      this.sink.deliver(this.inst, intent)
    } catch (err) {
      this.error(err)
    }
  }

  protected override _error(err: unknown): void {
    this.unsubscribe()
    this.sink.failInstance(this.inst, err)
  }
}
