import { describe, expect, it } from 'vitest'
import { StrategyActor } from '../actors/strategy-actor.ts'
import { StrategyInstances } from '../src/engine/strategy-instances.ts'
import { expandGrid } from '../streams/strategies/grid.ts'

describe('StrategyInstances', () => {
  // A grid strides a pipeline over every n-th strategy (symbols × groups); its actors are built together.
  const specs = expandGrid({ strategy: 'followSignal', symbols: ['BTC/USDT', 'ETH/USDT'], groups: 3, count: 12 })

  it('builds the actors pipeline by pipeline, each at its own index, fed by its pipeline', () => {
    const built: number[] = []
    const pipes = new StrategyInstances(specs, (s, i) => (built.push(i), new StrategyActor(i, s.id, s.symbol, s.group, s.size)), 3)
    // Two symbols × three groups, interleaved in the specs (strategy i is pipeline i mod 6): six pipelines of two.
    expect(pipes.size).toBe(6)
    expect(built).toEqual([0, 6, 1, 7, 2, 8, 3, 9, 4, 10, 5, 11])
    expect(pipes.actors.map((a) => a.index)).toEqual(specs.map((_, i) => i))
    expect(pipes.actors.map((a) => a.id)).toEqual(specs.map((s) => s.id))
    for (const a of pipes.actors) {
      const same = pipes.actors.filter((b) => b.feed === a.feed)
      expect(same.map((b) => [b.symbol, b.group])).toEqual(same.map(() => [a.symbol, a.group]))
      expect(same).toHaveLength(2)
    }
  })
})
