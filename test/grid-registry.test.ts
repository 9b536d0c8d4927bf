import { describe, expect, it } from 'vitest'
import { ConfigError } from '../src/domain/errors.ts'
import { combinations, expandGrid } from '../streams/strategies/grid.ts'
import { createStrategy, parseParams, getStrategy, strategyNames } from '../streams/strategies/registry.ts'

describe('strategy registry and grids', () => {
  it('ships followSignal, smaCross and meanReversion', () => {
    expect(strategyNames()).toEqual(expect.arrayContaining(['followSignal', 'smaCross', 'meanReversion']))
    expect(typeof createStrategy('smaCross', { fast: 5, slow: 20 }, 'BTC/USDT')).toBe('function')
  })

  it('expands every parameter combination × symbol, symbols fastest, with groups and sizes', () => {
    expect(combinations({ fast: [5, 10, 20], slow: [50, 100] })).toHaveLength(6)
    const specs = expandGrid({ strategy: 'smaCross', params: { fast: [5, 10, 20], slow: [50, 100] }, symbols: ['A', 'B'], groups: 4, sizeOf: (s) => (s === 'A' ? 1 : 2) })
    expect(specs).toHaveLength(12)
    expect(specs.slice(0, 3).map((s) => [s.id, s.symbol, s.params.fast, s.params.slow, s.group, s.size])).toEqual([
      ['smaCross-0', 'A', 5, 50, 0, 1],
      ['smaCross-1', 'B', 5, 50, 1, 2],
      ['smaCross-2', 'A', 5, 100, 2, 1],
    ])
    expect(new Set(specs.map((s) => `${s.symbol}|${s.params.fast}|${s.params.slow}`)).size).toBe(12)
    expect(expandGrid({ strategy: 'followSignal', symbols: ['A'], count: 5, offset: 10 }).map((s) => s.id)).toEqual([
      'followSignal-10',
      'followSignal-11',
      'followSignal-12',
      'followSignal-13',
      'followSignal-14',
    ])
  })

  it('names the path and what was expected for every bad parameter', () => {
    const def = getStrategy('smaCross')
    const bad = (raw: Record<string, unknown>) => {
      try {
        parseParams(def, raw, 'grid.params')
        return 'no error'
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError)
        return (e as Error).message
      }
    }
    expect(bad({ fast: 'x' })).toBe('grid.params.fast: expected a number, got "x"')
    expect(bad({ fast: 2.5 })).toBe('grid.params.fast: expected an integer, got 2.5')
    expect(bad({ fast: 0 })).toBe('grid.params.fast: expected 1 to ∞, got 0')
    expect(bad({ fats: 3 })).toBe('grid.params.fats: unknown parameter of smaCross (known: fast, slow, short)')
    expect(bad({ fast: 50, slow: 20 })).toBe('grid.params: fast (50) must be below slow (20)')
    expect(() => getStrategy('nope')).toThrow("strategy: unknown strategy 'nope' (known: ")
    expect(() => expandGrid({ strategy: 'smaCross', symbols: [] })).toThrow('grid.symbols: expected at least one symbol')
  })
})
