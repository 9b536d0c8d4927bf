import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Where the page's files are, in the installed package (served as they are: no build step). */
export const PAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'page')
const require = createRequire(import.meta.url)
/** The charting library's browser build, from the installed lightweight-charts package. */
export const CHARTS_JS = join(dirname(require.resolve('lightweight-charts/package.json')), 'dist', 'lightweight-charts.standalone.production.js')

export const pageFile = (name: string): string => readFileSync(join(PAGE_DIR, name), 'utf8')
