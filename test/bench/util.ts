/** Shared helpers for benchmark scenarios: each scenario runs in its own process and prints one JSON line. */
export const gc = (): void => (globalThis as { gc?: () => void }).gc?.()

export const heapUsed = (): number => {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export const round = (x: number, digits = 3): number => Number(x.toFixed(digits))

/** Sorted-sample percentile, for the few figures a scenario collects itself. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return 0
  const s = [...samples].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!
}

export function emit(result: Record<string, unknown>): void {
  process.stdout.write(`BENCH ${JSON.stringify(result)}\n`)
}

/** A numeric flag (`--name N`), or `fallback` when absent; anything but a number stops the benchmark, naming the flag. */
export const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  if (i < 0) return fallback
  const given = process.argv[i + 1]
  const n = given === undefined || given.trim() === '' ? Number.NaN : Number(given)
  if (!Number.isFinite(n)) throw new Error(`--${name}: expected a number, got ${given === undefined ? 'nothing' : JSON.stringify(given)}`)
  return n
}

/** A switch (`--name 0` or `--name 1`), or `fallback` when absent; any other value stops the benchmark, naming the flag. */
export const flag = (name: string, fallback: boolean): boolean => {
  const n = arg(name, fallback ? 1 : 0)
  if (n !== 0 && n !== 1) throw new Error(`--${name}: expected 0 or 1, got ${n}`)
  return n === 1
}

/**
 * Rounds at a fixed cadence, as a signal schedule sends them (seed 000: every 10 s): each call waits
 * until the next round is due. 0: back to back (the next round as soon as the last one ended).
 * Idle time between rounds matters — V8 works on its heap then — so the cadence is part of the figure.
 */
export function pacer(everyMs: number): () => Promise<void> {
  let due = 0
  return async () => {
    if (!(everyMs > 0)) return
    const now = performance.now()
    if (due === 0) due = now
    if (due > now) await sleep(due - now)
    due = Math.max(due, performance.now()) + everyMs
  }
}
