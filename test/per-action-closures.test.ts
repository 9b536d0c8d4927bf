import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)

/** The probe's count of JS closures before a round and with its actions in flight (its own process). */
async function probe(...args: string[]): Promise<{ inFlight: number; before: number; during: number }> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'test/support/closure-probe.ts', ...args], { timeout: 120_000 })
  return JSON.parse(stdout.trim().split('\n').at(-1)!)
}

// V8 keeps a function's optimized code only while a closure that runs it lives: closures made per
// order die with their orders, and every full collection then cost the next signal round its
// optimized order path (see streams/on-subscribe.ts). In flight is where per-order closures show.
describe('closures per action in flight', () => {
  it('market execution over the simulator: none per order (before: the two methods of the algorithm job and the venue step of the simulator, three)', async () => {
    const p = await probe()
    expect(p.inFlight).toBeGreaterThanOrEqual(500)
    expect(p.during - p.before).toBeLessThan(p.inFlight / 10)
  }, 120_000)
})
