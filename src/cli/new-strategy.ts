import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { ConfigError } from '../domain/errors.ts'
import { parseFlags, stringFlag } from './flags.ts'

export const NEW_HELP = `shoal new strategy NAME [--dir D] [--force]

  Writes D/NAME.ts (an EMA-cross strategy to edit) and D/NAME.test.ts (its marble test), both
  passing as written. Default D: examples/strategies (whose tests npm test runs). Use it with
  modules: [./D/NAME.ts] in a config file, or --module D/NAME.ts on the demo.
`

const kebab = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()

const strategyText = (name: string) => `import { crossover, defineStrategy, ema, prices, toTarget } from 'shoal'

/** Long while EMA(fast) of prices is above EMA(slow), flat below. Edit me: a strategy is a stream operator. */
export const ${name} = defineStrategy({
  name: '${name}',
  description: 'long while EMA(fast) > EMA(slow), flat otherwise',
  inputs: { signals: false, market: true },
  params: {
    fast: { default: 12, min: 1, integer: true, doc: 'fast EMA period, in prices' },
    slow: { default: 26, min: 2, integer: true, doc: 'slow EMA period, in prices' },
  },
  check: (p) => (p.fast < p.slow ? null : \`fast (\${p.fast}) must be below slow (\${p.slow})\`),
  create: (p) => (input$) =>
    input$.pipe(
      prices(p.symbol),
      crossover(ema(p.fast), ema(p.slow)),
      toTarget(p.symbol, (side) => (side > 0 ? 1 : 0)),
    ),
})
`

const testText = (name: string, file: string) => `import { TestScheduler } from 'rxjs/testing'
import { describe, expect, it } from 'vitest'
import { target, type StrategyInput, type Trade } from 'shoal'
import { ${name} } from './${file}.ts'

const S = 'ETH/BTC'
const t = (price: number, ts: number): Trade => ({ kind: 'trade', symbol: S, id: String(ts), price, amount: 1, side: 'buy', ts })

describe('${name}', () => {
  it('goes long when EMA(2) crosses above EMA(4) and flat when it crosses below', () => {
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ hot, expectObservable }) => {
      const input$ = hot<StrategyInput>('a-b-c-d-e-f-g-h', { a: t(10, 0), b: t(10, 2), c: t(10, 4), d: t(10, 6), e: t(12, 8), f: t(14, 10), g: t(9, 12), h: t(7, 14) })
      expectObservable(input$.pipe(${name}.create({ fast: 2, slow: 4, symbol: S }))).toBe('--------e---g', {
        e: target(S, 1, 8),
        g: target(S, 0, 12),
      })
    })
  })
})
`

/** `shoal new strategy NAME`: writes a strategy file and its marble test; returns what it wrote. */
export function runNewCommand(argv: string[]): string {
  const { values: v, positionals } = parseFlags(argv, { dir: { type: 'string' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } })
  if (v.help || positionals.length === 0) return NEW_HELP
  const [what, name, ...rest] = positionals
  if (what !== 'strategy') throw new ConfigError('new', `unknown kind '${what}' (known: strategy)`)
  if (name === undefined) throw new ConfigError('new strategy', 'expected a NAME, e.g. emaCross')
  if (rest.length > 0) throw new ConfigError('new strategy', `unexpected argument '${rest[0]}'`)
  if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name)) throw new ConfigError('new strategy', `NAME must be an identifier such as emaCross, got '${name}'`)
  const dir = resolve(v.dir === undefined ? 'examples/strategies' : stringFlag(v.dir, '--dir'))
  const file = kebab(name)
  const paths = [join(dir, `${file}.ts`), join(dir, `${file}.test.ts`)]
  for (const p of paths) if (existsSync(p) && v.force !== true) throw new ConfigError('new strategy', `${p} exists (--force to overwrite)`)
  mkdirSync(dir, { recursive: true })
  writeFileSync(paths[0]!, strategyText(name))
  writeFileSync(paths[1]!, testText(name, file))
  const rel = (p: string) => relative(process.cwd(), p) || p
  return `wrote ${rel(paths[0]!)} and ${rel(paths[1]!)}\n  test it:  npx vitest run ${rel(paths[1]!)}\n  use it:   modules: [${rel(paths[0]!)}] in a config file, or npm run demo -- --module ${rel(paths[0]!)} --strategy ${name}\n`
}
