import { existsSync, readFileSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import { loadStrategyModules } from './strategy-modules.ts'
import { parse as parseYaml, YAMLParseError } from 'yaml'
import { ConfigError } from '../domain/errors.ts'
import { getStrategy, parseParams } from '../../streams/strategies/registry.ts'
import { combinations } from '../../streams/strategies/grid.ts'
import { simMarkets } from '../exchange/sim/markets.ts'
import { configSchema, type ShoalConfig } from './schema.ts'

/** Every problem of a config file at once, each as `path: what was expected`. */
export class ConfigFileError extends ConfigError {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(file, problems.length === 1 ? problems[0]! : `${problems.length} problems:\n  ${problems.join('\n  ')}`)
  }
}

const dotted = (path: readonly PropertyKey[]): string => (path.length === 0 ? '(top level)' : path.map(String).join('.'))

/**
 * Reads, parses (YAML or JSON by extension; YAML otherwise) and validates a config file; loads its
 * strategy `modules` first, so that its `strategies` can name theirs. Data file paths of a replay
 * are made relative to the config file.
 */
export async function loadConfig(file: string): Promise<ShoalConfig> {
  if (!existsSync(file)) throw new ConfigError('--config', `no such file: ${file}`)
  const text = readFileSync(file, 'utf8')
  let raw: unknown
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text)
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` at line ${err.linePos[0].line}, column ${err.linePos[0].col}` : ''
    throw new ConfigFileError(file, [`cannot parse${where}: ${(err as Error).message.split('\n')[0]}`])
  }
  // Credentials never live in a config file: say where they go instead of "unrecognized key".
  const ex = (raw as { exchange?: Record<string, unknown> } | null)?.exchange
  const secretKeys = ex && typeof ex === 'object' ? Object.keys(ex).filter((k) => /^(api[-_]?key|secret|password|passphrase|private[-_]?key)$/i.test(k)) : []
  if (secretKeys.length > 0) {
    const id = String(ex?.id ?? 'exchange').toUpperCase()
    throw new ConfigFileError(
      file,
      secretKeys.map((k) => `exchange.${k}: credentials are never read from the config file; set SHOAL_${id}_API_KEY and SHOAL_${id}_SECRET in the environment`),
    )
  }
  const parsed = configSchema.safeParse(raw)
  if (!parsed.success)
    throw new ConfigFileError(
      file,
      parsed.error.issues.map((i) => `${dotted(i.path)}: ${i.message}`),
    )
  const c = parsed.data
  const dir = dirname(resolve(file))
  if (c.modules !== undefined) await loadStrategyModules(c.modules, dir, `${file}: modules`)
  if (c.exchange.type === 'replay') c.exchange.data = c.exchange.data.map((d) => ({ ...d, file: isAbsolute(d.file) ? d.file : resolve(dir, d.file) }))
  // What the schema cannot know: strategy names and parameters, and the exchange's symbols.
  const problems: string[] = []
  // The simulator's symbols are known now; a real exchange's are checked when it is opened.
  const known =
    c.exchange.type === 'sim'
      ? new Set(simMarkets(c.exchange.symbols, c.exchange.seed).markets.map((m) => m.symbol))
      : c.exchange.type === 'replay'
        ? new Set(c.exchange.data.map((d) => d.symbol))
        : null
  c.strategies.forEach((s, i) => {
    try {
      const def = getStrategy(s.strategy, `strategies.${i}.strategy`)
      for (const combo of combinations(s.params ?? {})) parseParams(def, combo, `strategies.${i}.params`)
    } catch (err) {
      problems.push((err as Error).message)
    }
    if (s.thread === 'worker' && c.engine.workers === 0) problems.push(`strategies.${i}.thread: worker needs worker threads (engine.workers of at least 1)`)
    if (s.symbols !== 'all' && known !== null)
      s.symbols.forEach((sym, j) => {
        if (!known.has(sym)) problems.push(`strategies.${i}.symbols.${j}: unknown symbol '${sym}' (the exchange lists ${[...known].slice(0, 5).join(', ')}, …)`)
      })
  })
  if (problems.length > 0) throw new ConfigFileError(file, problems)
  return c
}
