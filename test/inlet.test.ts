import { map } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { Inlet } from '../streams/inlet.ts'

describe('Inlet', () => {
  it('delivers each value to every current subscriber, in subscription order, through operators', () => {
    const inlet = new Inlet<number>()
    const seen: string[] = []
    inlet.subscribe((v) => seen.push(`a${v}`))
    inlet.next(1)
    inlet.pipe(map((v) => v * 10)).subscribe((v) => seen.push(`b${v}`))
    inlet.next(2)
    expect(seen).toEqual(['a1', 'a2', 'b20'])
  })

  it('stops delivering to a subscriber once it unsubscribes, also from within another subscriber', () => {
    const inlet = new Inlet<number>()
    const seen: string[] = []
    const a = inlet.subscribe((v) => {
      seen.push(`a${v}`)
      if (v === 2) b.unsubscribe()
    })
    const b = inlet.subscribe((v) => seen.push(`b${v}`))
    inlet.next(1)
    inlet.next(2) // a drops b before b's turn: b does not see 2
    inlet.next(3)
    a.unsubscribe()
    inlet.next(4)
    expect(seen).toEqual(['a1', 'b1', 'a2', 'a3'])
  })

  it('a subscriber added while a value is delivered gets the next value, not that one', () => {
    const inlet = new Inlet<number>()
    const seen: string[] = []
    inlet.subscribe((v) => {
      seen.push(`a${v}`)
      if (v === 1) inlet.subscribe((w) => seen.push(`c${w}`))
    })
    inlet.next(1)
    inlet.next(2)
    expect(seen).toEqual(['a1', 'a2', 'c2'])
  })

  it('completes its subscribers once; later subscribers complete at once; values after completion go nowhere', () => {
    const inlet = new Inlet<number>()
    const log: string[] = []
    inlet.subscribe({ next: (v) => log.push(`n${v}`), complete: () => log.push('done') })
    inlet.next(1)
    inlet.complete()
    inlet.complete()
    inlet.next(2)
    inlet.subscribe({ next: (v) => log.push(`late${v}`), complete: () => log.push('late done') })
    expect(log).toEqual(['n1', 'done', 'late done'])
  })
})
