import type { Subscription } from 'rxjs'
import type { WebSocket } from 'ws'
import type { Market } from '../domain/market.ts'
import type { VenueActivity, SimExchange } from '../exchange/sim/sim-exchange.ts'
import { BinanceError, checkSigned, wsApiPayload, type VenueCredentials } from './binance-auth.ts'
import { binanceSymbol, executionReport } from './binance-messages.ts'
import type { MessageFaults } from './message-faults.ts'

interface Session {
  readonly socket: WebSocket
  /** User-data subscriptions on this connection. */
  readonly subscriptions: Set<number>
}

/**
 * The part of Binance's WebSocket API (`/ws-api/v3`) that ccxt's binance class uses for spot user
 * data: `userDataStream.subscribe.signature` (signed like a REST request, parameters sorted),
 * `userDataStream.unsubscribe`, `ping`, `time`. Each subscription receives every execution at the
 * venue as `{ subscriptionId, event: executionReport }`, through the message faults if any.
 */
export class WsApi {
  private readonly sessions = new Set<Session>()
  private readonly sub: Subscription
  private nextSubscription = 0
  private cancelSeq = 0

  constructor(
    sim: SimExchange,
    private readonly bySymbol: ReadonlyMap<string, Market>,
    private readonly credentials: VenueCredentials,
    private readonly recvWindowMs: number,
    private readonly faults: MessageFaults | null,
  ) {
    this.sub = sim.watchActivity().subscribe((e) => this.onActivity(e))
  }

  get subscribers(): number {
    let n = 0
    for (const s of this.sessions) n += s.subscriptions.size
    return n
  }

  accept(socket: WebSocket): void {
    const s: Session = { socket, subscriptions: new Set() }
    this.sessions.add(s)
    socket.on('message', (data) => this.onRequest(s, data.toString()))
    socket.on('close', () => this.sessions.delete(s))
    socket.on('error', () => this.sessions.delete(s))
  }

  close(): void {
    this.sub.unsubscribe()
    for (const s of this.sessions) s.socket.terminate()
    this.sessions.clear()
  }

  private onRequest(s: Session, text: string): void {
    let msg: { id?: unknown; method?: unknown; params?: unknown }
    try {
      msg = JSON.parse(text)
    } catch {
      return answer(s, { id: null, status: 400, error: { code: -1102, msg: 'Malformed request: not JSON.' } })
    }
    const id = msg.id ?? null
    const params = (typeof msg.params === 'object' && msg.params !== null ? msg.params : {}) as Record<string, unknown>
    try {
      switch (msg.method) {
        case 'ping':
          return answer(s, { id, status: 200, result: {} })
        case 'time':
          return answer(s, { id, status: 200, result: { serverTime: Date.now() } })
        case 'userDataStream.subscribe.signature': {
          checkSigned(
            this.credentials,
            params.apiKey,
            wsApiPayload(params),
            typeof params.signature === 'string' ? params.signature : undefined,
            params.timestamp,
            Number(params.recvWindow ?? this.recvWindowMs),
          )
          const subscriptionId = this.nextSubscription++
          s.subscriptions.add(subscriptionId)
          return answer(s, { id, status: 200, result: { subscriptionId } })
        }
        case 'userDataStream.unsubscribe': {
          if (params.subscriptionId === undefined) s.subscriptions.clear()
          else if (!s.subscriptions.delete(Number(params.subscriptionId))) throw new BinanceError(400, -2035, 'User Data Stream subscription not found.')
          return answer(s, { id, status: 200, result: {} })
        }
        default:
          throw new BinanceError(400, -1000, `Unknown method '${String(msg.method)}'.`)
      }
    } catch (err) {
      const e = err instanceof BinanceError ? err : new BinanceError(500, -1000, String(err))
      return answer(s, { id, status: e.status, error: { code: e.code, msg: e.message } })
    }
  }

  private onActivity(e: VenueActivity): void {
    if (this.sessions.size === 0) return
    const m = this.bySymbol.get(binanceSymbol(e.order.symbol))
    if (m === undefined) return
    const event = executionReport(e, m, Date.now(), `cancel-${++this.cancelSeq}`)
    for (const s of this.sessions) {
      for (const subscriptionId of s.subscriptions) {
        const text = JSON.stringify({ subscriptionId, event })
        if (this.faults === null) s.socket.send(text)
        else this.faults.send(s.socket, text)
      }
    }
  }
}

function answer(s: Session, body: unknown): void {
  if (s.socket.readyState === s.socket.OPEN) s.socket.send(JSON.stringify(body))
}
