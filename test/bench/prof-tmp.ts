import { sweepRig } from './sweep-harness'
const N = Number(process.argv[2] ?? 10000)
const rig = sweepRig({ actors: N, latencyMs: 200 })
rig.engine.start()
const sig = (rig.engine as any).o.signals
for (let k = 0; k < 5; k++) {
  ;(globalThis as any).gc()
  const t0 = performance.now()
  sig.next({ round: 100 + k, ts: Date.now(), values: new Int8Array(100).fill(k % 2 ? -1 : 1) })
  const t1 = performance.now()
  const n = rig.engine.metrics.inFlight
  while (rig.engine.metrics.inFlight > 0) await new Promise((r) => setTimeout(r, 10))
  console.log('acting', n, 'sweep ms', (t1 - t0).toFixed(1), 'per action ns', (((t1 - t0) * 1e6) / n).toFixed(0))
}
process.exit(0)
