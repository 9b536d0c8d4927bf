import { describe, expect, it } from 'vitest'
import { allocateLots, lotsIn } from '../actors/netting/allocate.ts'

describe('largest-remainder allocation in whole lots', () => {
  it('gives each the floor of its share and the rest to the largest remainders', () => {
    // 10 lots over wants 5, 3, 2 (total 10) → exact; 7 over them → 3.5, 2.1, 1.4 → 3, 2, 1 + one to the 0.5.
    expect(allocateLots(10, [5, 3, 2], [0, 1, 2])).toEqual([5, 3, 2])
    expect(allocateLots(7, [5, 3, 2], [0, 1, 2])).toEqual([4, 2, 1])
  })

  it('breaks ties by actor index, whatever the order claimants come in', () => {
    // 1 lot over three equal wants: the lowest actor index gets it.
    expect(allocateLots(1, [2, 2, 2], [7, 3, 5])).toEqual([0, 1, 0])
    expect(allocateLots(2, [2, 2, 2], [7, 3, 5])).toEqual([0, 1, 1])
  })

  it('sums exactly and never exceeds a want, over many random splits', () => {
    let seed = 42
    const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31
    for (let t = 0; t < 500; t++) {
      const n = 1 + Math.floor(rand() * 20)
      const wants = Array.from({ length: n }, () => 1 + Math.floor(rand() * 50))
      const total = wants.reduce((a, b) => a + b, 0)
      const lots = Math.floor(rand() * (total + 1))
      const got = allocateLots(
        lots,
        wants,
        wants.map((_, i) => i),
      )
      expect(got.reduce((a, b) => a + b, 0)).toBe(lots)
      got.forEach((g, i) => {
        expect(g).toBeGreaterThanOrEqual(0)
        expect(g).toBeLessThanOrEqual(wants[i]!)
      })
    }
  })

  it('counts whole lots through floating-point dust', () => {
    expect(lotsIn(0.3, 0.1)).toBe(3)
    expect(lotsIn(0.29999, 0.1)).toBe(2)
  })
})
