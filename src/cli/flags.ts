import { parseArgs } from 'node:util'
import { ConfigError } from '../domain/errors.ts'

export type FlagSpec = Record<string, { type: 'string' | 'boolean'; default?: string | boolean; short?: string }>

/** Parses `argv` strictly: an unknown flag or a missing value is a ConfigError naming the flag. */
export function parseFlags<S extends FlagSpec>(argv: string[], spec: S): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: spec as never, strict: true, allowPositionals: true })
    return { values: values as Record<string, string | boolean | undefined>, positionals }
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err)
    const flag = /'(--?[\w-]+)/.exec(msg)?.[1] ?? 'flags'
    throw new ConfigError(flag, msg.replace(/\. To specify a positional argument.*$/s, ''))
  }
}

const raw = (v: string | boolean | undefined, flag: string): string => {
  if (typeof v !== 'string') throw new ConfigError(flag, 'expected a value')
  return v.trim()
}

/** A whole number within [min, max]. */
export function intFlag(v: string | boolean | undefined, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const s = raw(v, flag)
  const n = Number(s)
  if (s === '' || !Number.isInteger(n)) throw new ConfigError(flag, `expected a whole number, got '${s}'`)
  if (n < min || n > max) throw new ConfigError(flag, `expected ${min} to ${max}, got ${n}`)
  return n
}

/** A finite number within [min, max]. */
export function numFlag(v: string | boolean | undefined, flag: string, min: number, max = Number.MAX_VALUE): number {
  const s = raw(v, flag)
  const n = Number(s)
  if (s === '' || !Number.isFinite(n)) throw new ConfigError(flag, `expected a number, got '${s}'`)
  if (n < min || n > max) throw new ConfigError(flag, max === Number.MAX_VALUE ? `expected at least ${min}, got ${n}` : `expected ${min} to ${max}, got ${n}`)
  return n
}

/** One of `choices`. */
export function choiceFlag<T extends string>(v: string | boolean | undefined, flag: string, choices: readonly T[]): T {
  const s = raw(v, flag)
  if (!(choices as readonly string[]).includes(s)) throw new ConfigError(flag, `expected one of ${choices.join(', ')}, got '${s}'`)
  return s as T
}

export function stringFlag(v: string | boolean | undefined, flag: string): string {
  const s = raw(v, flag)
  if (s === '') throw new ConfigError(flag, 'expected a non-empty value')
  return s
}
