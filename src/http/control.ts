import type { RiskManager } from '../../actors/risk/risk-manager.ts'
import type { TradingState } from '../../actors/risk/trading-state.ts'
import { ConfigError } from '../domain/errors.ts'

export const CONTROL_ACTIONS = ['halt', 'reduce', 'resume', 'reset-breaker', 'flatten'] as const
export const CONTROL_SCOPES = ['global', 'symbol', 'strategy'] as const
export type ControlAction = (typeof CONTROL_ACTIONS)[number]
export type ControlScope = (typeof CONTROL_SCOPES)[number]

/** `POST /api/control`'s body. */
export interface ControlRequest {
  readonly action: ControlAction
  readonly scope: ControlScope
  /** The symbol or strategy id (not for the global scope). */
  readonly id: string | null
}

/** What a control action left behind: the states that now apply to its scope. */
export interface ControlState {
  readonly global: TradingState
  readonly symbol?: TradingState
  readonly strategy?: TradingState
  readonly killed: boolean
}

/** One control action as logged and stored (the `controls` table). */
export interface ControlRecord extends ControlRequest {
  readonly ts: number
  /** Who asked: the operator named in the X-Operator header, else the caller's address. */
  readonly who: string
  readonly state: ControlState
}

/** Checks a parsed JSON body; a ConfigError names the field (an HTTP 400). */
export function parseControl(body: unknown): ControlRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ConfigError('body', 'expected a JSON object { action, scope, id }')
  const b = body as Record<string, unknown>
  for (const k of Object.keys(b)) if (!['action', 'scope', 'id'].includes(k)) throw new ConfigError(k, 'unknown field (expected action, scope, id)')
  if (!(CONTROL_ACTIONS as readonly unknown[]).includes(b.action)) throw new ConfigError('action', `expected one of ${CONTROL_ACTIONS.join(', ')}, got ${JSON.stringify(b.action)}`)
  if (!(CONTROL_SCOPES as readonly unknown[]).includes(b.scope)) throw new ConfigError('scope', `expected one of ${CONTROL_SCOPES.join(', ')}, got ${JSON.stringify(b.scope)}`)
  const action = b.action as ControlAction
  const scope = b.scope as ControlScope
  if (scope === 'global') {
    if (b.id !== undefined && b.id !== null && b.id !== '') throw new ConfigError('id', 'the global scope takes no id')
  } else if (typeof b.id !== 'string' || b.id === '' || b.id.length > 200)
    throw new ConfigError('id', `scope ${scope} needs the ${scope === 'symbol' ? 'symbol' : 'strategy id'} as a non-empty string`)
  if (action === 'flatten' && scope !== 'global') throw new ConfigError('scope', 'flatten is the kill switch: scope global only')
  if (action === 'reset-breaker' && scope === 'symbol') throw new ConfigError('scope', 'there is no breaker per symbol (the volatility gate resumes by itself): reset-breaker takes global or strategy')
  return { action, scope, id: scope === 'global' ? null : (b.id as string) }
}

/** What a control action acts on: the risk manager, the engine's kill switch, and names of things. */
export interface ControlTarget {
  readonly risk: RiskManager
  readonly now: () => number
  /** The kill switch (flatten everything, then halt). */
  readonly flatten: (reason: string) => void
  readonly symbols: ReadonlySet<string>
  /** Actor of a strategy id, or undefined. */
  readonly strategy: (id: string) => { readonly index: number; readonly id: string; readonly symbol: string } | undefined
}

/** An id that names nothing here (an HTTP 404). */
export class UnknownTarget extends Error {}

const STATE_OF: Record<'halt' | 'reduce' | 'resume', TradingState> = { halt: 'HALTED', reduce: 'REDUCING', resume: 'ACTIVE' }

/** Applies one control action; returns the states that now apply to its scope. */
export function applyControl(t: ControlTarget, req: ControlRequest, who: string): ControlState {
  const now = t.now()
  const reason = `operator ${req.action} (${who})`
  const { risk } = t
  if (req.scope === 'symbol' && !t.symbols.has(req.id!)) throw new UnknownTarget(`no symbol ${req.id} in this run`)
  const actor = req.scope === 'strategy' ? t.strategy(req.id!) : undefined
  if (req.scope === 'strategy' && actor === undefined) throw new UnknownTarget(`no strategy ${req.id} in this run`)
  switch (req.action) {
    case 'flatten':
      t.flatten(`operator flatten (${who})`)
      break
    case 'reset-breaker':
      if (actor !== undefined) risk.resetStrategyBreaker(actor, now)
      else risk.resetBreaker(now)
      break
    default: {
      const state = STATE_OF[req.action]
      if (req.scope === 'global') risk.setGlobalState(state, now, reason)
      else if (req.scope === 'symbol') risk.setSymbolState(req.id!, state, now, reason)
      else risk.setStrategyState(actor!, state, now, reason)
    }
  }
  const out: { global: TradingState; symbol?: TradingState; strategy?: TradingState; killed: boolean } = { global: risk.globalState, killed: risk.isKilled }
  if (req.scope === 'symbol') out.symbol = risk.symbolStateOf(req.id!)
  if (actor !== undefined) {
    const s = risk.stateOf(actor)
    out.strategy = s.strategy
    out.symbol = s.symbol
  }
  return out
}
