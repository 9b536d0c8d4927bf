import { Worker } from 'node:worker_threads'

/**
 * Starts the worker thread whose module is `name` beside `base` (an `import.meta.url`). Compiled
 * (dist/), it is the plain `.js` module. Run from source, it is TypeScript like the rest: a two-line
 * bootstrap registers tsx's ES-module and CommonJS loaders in the thread first (workers do not
 * inherit `--import`), so what the thread imports may be either.
 */
export function moduleWorker(base: string, name: string, workerData: unknown): Worker {
  if (base.endsWith('.js')) return new Worker(new URL(`./${name}.js`, base), { workerData })
  const entry = new URL(`./${name}.ts`, base).href
  const boot = `Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]).then(([esm, cjs]) => { esm.register(); cjs.register(); return import(${JSON.stringify(entry)}) })`
  return new Worker(boot, { eval: true, workerData })
}
