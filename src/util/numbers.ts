/** Rounds `x` to a multiple of `step`, without binary noise (0.1 + 0.2 style). */
export const roundTo = (x: number, step: number): number => {
  if (!(step > 0)) return x
  const decimals = Math.max(0, -Math.floor(Math.log10(step)))
  return Number((Math.round(x / step) * step).toFixed(Math.min(decimals, 15)))
}

/** Rounds `x` down to a multiple of `step`. */
export const floorTo = (x: number, step: number): number => (step > 0 ? roundTo(Math.floor(x / step + 1e-9) * step, step) : x)
