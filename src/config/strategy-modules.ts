import { existsSync } from 'node:fs'
import Module, { register } from 'node:module'
import { extname, isAbsolute, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { getStrategy, registerStrategy, strategyNames } from '../../streams/strategies/registry.ts'
import type { StrategyDef } from '../../streams/strategies/strategy.ts'
import { ConfigError } from '../domain/errors.ts'

/** shoal's public index beside this file: src/index.ts under tsx, dist/src/index.js when compiled. */
const INDEX_URL = new URL(`../index${extname(fileURLToPath(import.meta.url))}`, import.meta.url).href
let hooked = false
/** Every module file loaded so far (absolute), so worker threads can load the same strategies. */
const loadedFiles: string[] = []

/** The strategy module files this process has loaded, in load order. */
export const loadedModuleFiles = (): readonly string[] => loadedFiles

/**
 * Lets a strategy file anywhere on disk `import … from 'shoal'`: the bare name resolves to this
 * shoal's public index, for ES modules (a loader hook) and for files compiled to CommonJS (a file
 * outside any package with "type": "module").
 */
function hookShoalImports(): void {
  if (hooked) return
  hooked = true
  const hook = `export async function resolve(s, c, next) { return next(s === 'shoal' ? ${JSON.stringify(INDEX_URL)} : s, c) }`
  register(`data:text/javascript,${encodeURIComponent(hook)}`)
  const M = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string }
  const original = M._resolveFilename
  M._resolveFilename = function (request: string, ...rest: unknown[]) {
    return request === 'shoal' ? fileURLToPath(INDEX_URL) : original.call(this, request, ...rest)
  }
}

const isStrategyDef = (v: unknown): v is StrategyDef =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as StrategyDef).name === 'string' &&
  typeof (v as StrategyDef).create === 'function' &&
  typeof (v as StrategyDef).params === 'object' &&
  typeof (v as StrategyDef).inputs === 'object'

/** Why `v` is not a strategy definition, in words. */
function notAStrategy(v: unknown): string {
  if (typeof v === 'function') return 'it is a function, not a strategy definition (wrap it with defineStrategy({ name, inputs, params, create }))'
  if (typeof v !== 'object' || v === null) return `it is ${v === null ? 'null' : `a ${typeof v}`}, not a strategy definition`
  const missing = ['name', 'create', 'params', 'inputs'].filter((k) => !(k in v))
  return `it lacks ${missing.join(', ') || 'a valid name, create, params or inputs'} (define it with defineStrategy)`
}

/**
 * Loads strategy modules (TypeScript or JavaScript; `paths` relative to `baseDir`) and registers
 * every strategy they export, by its `name`. Every export must be a strategy; a file that is
 * missing, fails to load, or exports anything else — or a name already taken — is a ConfigError
 * naming the file, the export and why. Returns the names registered.
 */
export async function loadStrategyModules(paths: readonly string[], baseDir: string, where: string): Promise<string[]> {
  hookShoalImports()
  const added: string[] = []
  const builtIn = new Set(strategyNames())
  for (const [i, p] of paths.entries()) {
    const file = isAbsolute(p) ? p : resolve(baseDir, p)
    const at = `${where}[${i}] ${file}`
    if (!existsSync(file)) throw new ConfigError(at, 'no such file')
    let mod: Record<string, unknown>
    try {
      mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>
    } catch (err) {
      throw new ConfigError(at, `cannot load: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`)
    }
    // A module compiled to CommonJS shows its exports on `default` as well; count each once.
    const entries = Object.entries(mod).filter(([k, v]) => !(k === 'default' && typeof v === 'object' && v !== null && !isStrategyDef(v) && Object.keys(mod).length > 1) && k !== 'module.exports')
    const defs = entries.filter(([, v]) => isStrategyDef(v))
    for (const [name, v] of entries) if (!isStrategyDef(v)) throw new ConfigError(`${at}: export '${name}'`, notAStrategy(v))
    if (defs.length === 0) throw new ConfigError(at, 'exports no strategy (export const myStrategy = defineStrategy({ … }))')
    if (!loadedFiles.includes(file)) loadedFiles.push(file)
    for (const [exportName, v] of defs) {
      const def = v as StrategyDef
      if (added.includes(def.name) && getStrategy(def.name) === def) continue
      if (builtIn.has(def.name) || added.includes(def.name)) throw new ConfigError(`${at}: export '${exportName}'`, `a strategy named '${def.name}' is already defined; give it another name`)
      registerStrategy(def)
      added.push(def.name)
    }
  }
  return added
}
