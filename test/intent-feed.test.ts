import { describe, expect, it } from 'vitest'
import { IntentFeed, StrategyActor } from '../actors/strategy-actor.ts'
import { target } from '../src/domain/intent.ts'

describe("an actor's intent from its pipeline's feed", () => {
  it('every actor of a feed holds its latest intent and when its input was dispatched', () => {
    const feed = new IntentFeed()
    const [a, b] = [new StrategyActor(0, 'a', 'X/Y', 0, 1), new StrategyActor(1, 'b', 'X/Y', 0, 1)]
    a.feed = b.feed = feed
    expect(a.intent).toBeNull()
    const t1 = target('X/Y', 1, 0)
    feed.deliver(t1, 12)
    expect([a.intent, a.intentAt, b.intent, b.intentAt]).toEqual([t1, 12, t1, 12])
  })

  it("an intent set on one actor (the kill switch's, or await mode's null) holds until its feed delivers again, for that actor only", () => {
    const feed = new IntentFeed()
    const [a, b] = [new StrategyActor(0, 'a', 'X/Y', 0, 1), new StrategyActor(1, 'b', 'X/Y', 0, 1)]
    a.feed = b.feed = feed
    const t1 = target('X/Y', 1, 0)
    feed.deliver(t1, 5)
    const flat = target('X/Y', 0, 1)
    a.intent = flat
    a.intentAt = 7
    expect([a.intent, a.intentAt, b.intent, b.intentAt]).toEqual([flat, 7, t1, 5])
    b.intent = null
    expect([b.intent, b.intentAt]).toEqual([null, 5])
    const t2 = target('X/Y', -1, 2)
    feed.deliver(t2, 9)
    expect([a.intent, a.intentAt, b.intent, b.intentAt]).toEqual([t2, 9, t2, 9])
  })

  it('an actor without a feed keeps what is set on it', () => {
    const a = new StrategyActor(0, 'a', 'X/Y', 0, 1)
    const t1 = target('X/Y', 1, 0)
    a.intent = t1
    a.intentAt = 3
    expect([a.intent, a.intentAt]).toEqual([t1, 3])
  })
})
