/** Seeded PRNG (mulberry32): fast, 32-bit state, good enough for simulation — not for cryptography. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const fmix32 = (x: number): number => {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b)
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35)
  return (x ^ (x >>> 16)) >>> 0
}

/** A uniform [0, 1) number fixed by its inputs: same seed, a and b → same value, in any order of calls. */
export function hash01(seed: number, a: number, b: number): number {
  const h = fmix32(fmix32(fmix32(seed ^ 0x9e3779b9) ^ a) + Math.imul(b, 0x27d4eb2f))
  return h / 4294967296
}

/** Standard normal draw (Box–Muller) from a uniform source. */
export function gaussian(rand: () => number): number {
  let u = 0
  while (u === 0) u = rand()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand())
}
