import { Observable, type Subscriber } from 'rxjs'

/**
 * A hot source fed by `next`, for the engine's per-value hops (actors with a new intent, order
 * events to the sink). It is what a `Subject` is for them, without a Subject's cost per value: Node
 * loads rxjs's ES5 build, where `Subject.next` allocates a closure, an iterator and a result object
 * per subscriber for every value (~200 bytes; two such hops ran per acting strategy and per order
 * event). Subscribers are kept in an array replaced on every (un)subscribe, so a value is delivered to
 * the subscribers of the moment it was sent even if one of them unsubscribes meanwhile.
 */
export class Inlet<T> extends Observable<T> {
  private readonly hub: { observers: Subscriber<T>[]; done: boolean }

  constructor() {
    const hub = { observers: [] as Subscriber<T>[], done: false }
    super((s) => {
      if (hub.done) {
        s.complete()
        return
      }
      hub.observers = [...hub.observers, s]
      return () => {
        hub.observers = hub.observers.filter((o) => o !== s)
      }
    })
    this.hub = hub
  }

  next(value: T): void {
    const observers = this.hub.observers
    for (let i = 0; i < observers.length; i++) observers[i]!.next(value)
  }

  complete(): void {
    const hub = this.hub
    if (hub.done) return
    hub.done = true
    const observers = hub.observers
    hub.observers = []
    for (const o of observers) o.complete()
  }
}
