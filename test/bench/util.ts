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

export const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
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
