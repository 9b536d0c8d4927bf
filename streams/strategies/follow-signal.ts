import { map } from 'rxjs'
import { target, type Intent } from '../../src/domain/intent.ts'
import { signals } from '../operators/signals.ts'
import { defineStrategy } from './strategy.ts'

/** Seed 000's strategy: enter (hold `weight`) on an enter signal, go flat on exit, ignore "none". */
export const followSignal = defineStrategy({
  name: 'followSignal',
  description: 'Seed 000: be in a position after an enter signal, out of it after an exit signal',
  inputs: { signals: true, market: false },
  params: { weight: { default: 1, min: -1, max: 1, doc: 'target weight while entered (1 = full long, -1 = full short)' } },
  create: (p) => (input$) =>
    input$.pipe(
      signals({ skipNone: true }),
      map((s): Intent => target(p.symbol, s.value === 1 ? p.weight : 0, s.ts)),
    ),
})
