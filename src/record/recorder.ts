import { appendFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { Observable, Subscription } from 'rxjs'
import type { MarketEvent } from '../domain/market.ts'
import { WatchLoop } from '../exchange/ccxt/watch-loop.ts'
import { BarBuilder } from './bar-builder.ts'
import { RotatingCsv } from './rotating-csv.ts'

/** The ccxt.pro calls the recorder makes (public streams: no key needed). */
export interface RecordSource {
  watchTrades(symbol: string): Promise<{ id?: string | number; timestamp?: number; side?: string; price: number; amount: number }[]>
  watchOrderBook(symbol: string, limit?: number): Promise<{ bids: [number, number][]; asks: [number, number][]; timestamp?: number }>
}

export interface RecorderOptions {
  readonly symbols: readonly string[]
  readonly dir: string
  readonly rotateMs: number
  readonly log?: Logger
  /** Wall clock (tests may replace it). */
  readonly now?: () => number
}

interface SymbolFiles {
  readonly trades: RotatingCsv
  readonly bars: RotatingCsv
  readonly quotes: RotatingCsv
  readonly builder: BarBuilder
  lastTradeId: number | null
  lastQuote: string
}

/**
 * Records an exchange's public streams through ccxt.pro — trades, top of book, and 1-minute bars
 * built from the trades — into rotating CSV files the importers read (`<SYM>-trades-*.csv` as
 * trades-csv, `<SYM>-1m-*.csv` as ohlcv-csv, `<SYM>-quotes-*.csv`). Streams reconnect on their own
 * (a watch loop each); every outage and every hole in a symbol's trade ids goes to `gaps.jsonl`.
 */
export class Recorder {
  private readonly files = new Map<string, SymbolFiles>()
  private readonly loops: WatchLoop<unknown>[] = []
  private readonly now: () => number
  readonly counts = { trades: 0, bars: 0, quotes: 0, duplicates: 0, gaps: 0, reconnects: 0 }
  private readonly downSince = new Map<string, number>()
  private sub: Subscription | null = null

  constructor(private readonly o: RecorderOptions) {
    this.now = o.now ?? Date.now
    mkdirSync(o.dir, { recursive: true })
    for (const s of o.symbols) {
      const name = s.replace('/', '_')
      this.files.set(s, {
        trades: new RotatingCsv(o.dir, `${name}-trades`, 'timestamp,id,side,price,amount', o.rotateMs),
        bars: new RotatingCsv(o.dir, `${name}-1m`, 'timestamp,open,high,low,close,volume', o.rotateMs),
        quotes: new RotatingCsv(o.dir, `${name}-quotes`, 'timestamp,bid,ask,bid_size,ask_size', o.rotateMs),
        builder: new BarBuilder(60_000),
        lastTradeId: null,
        lastQuote: '',
      })
    }
  }

  /** Records from ccxt.pro streams, one reconnecting watch loop per symbol and stream. */
  start(source: RecordSource): this {
    for (const s of this.o.symbols) {
      this.loops.push(
        new WatchLoop(
          `trades ${s}`,
          () => source.watchTrades(s),
          (ts) => this.onTrades(s, ts),
          this.events(s, 'trades'),
        ).start() as WatchLoop<unknown>,
        new WatchLoop(
          `book ${s}`,
          () => source.watchOrderBook(s, 5),
          (b) => {
            const bid = b.bids[0]
            const ask = b.asks[0]
            if (bid !== undefined && ask !== undefined) this.quote(s, bid[0], ask[0], bid[1], ask[1], b.timestamp ?? this.now())
          },
          this.events(s, 'book'),
        ).start() as WatchLoop<unknown>,
      )
    }
    return this
  }

  /** Records what a running engine's exchange streams (`shoal run --record`): exactly the trades its strategies saw. */
  attach(market$: Observable<MarketEvent>): this {
    this.sub = market$.subscribe((e) => {
      if (e.kind === 'trade') this.onTrades(e.symbol, [{ id: e.id, timestamp: e.ts, side: e.side, price: e.price, amount: e.amount }])
      else if (e.kind === 'quote') this.quote(e.symbol, e.bid, e.ask, e.bidSize, e.askSize, e.ts)
    })
    return this
  }

  /** Stops the streams and closes every file (the bar still open is not written: it may be incomplete). */
  async stop(): Promise<{ files: string[] }> {
    for (const l of this.loops) l.stop()
    this.sub?.unsubscribe()
    const files: string[] = []
    for (const f of this.files.values()) {
      for (const c of [f.trades, f.bars, f.quotes]) {
        await c.close()
        files.push(...c.files)
      }
    }
    return { files }
  }

  private events(symbol: string, stream: string) {
    const key = `${symbol} ${stream}`
    return {
      onDown: (err: unknown, retryInMs: number) => {
        if (!this.downSince.has(key)) this.downSince.set(key, this.now())
        this.o.log?.warn({ symbol, stream, err: String(err), retryInMs }, 'stream down: reconnecting')
      },
      onUp: () => {
        const since = this.downSince.get(key) ?? this.now()
        this.downSince.delete(key)
        this.counts.reconnects++
        this.gap({ symbol, stream, kind: 'outage', from: since, to: this.now() })
      },
    }
  }

  private gap(g: Record<string, unknown>): void {
    this.counts.gaps++
    appendFileSync(join(this.o.dir, 'gaps.jsonl'), `${JSON.stringify({ ...g, logged: this.now() })}\n`)
  }

  private onTrades(symbol: string, trades: Awaited<ReturnType<RecordSource['watchTrades']>>): void {
    const f = this.files.get(symbol)
    if (f === undefined) return
    for (const t of trades) {
      const ts = t.timestamp ?? this.now()
      const idNum = typeof t.id === 'number' ? t.id : t.id !== undefined && /^\d+$/.test(t.id) ? Number(t.id) : null
      if (idNum !== null && f.lastTradeId !== null) {
        // A trade seen again (a resubscription can repeat the last ones): dropped.
        if (idNum <= f.lastTradeId) {
          this.counts.duplicates++
          continue
        }
        if (idNum > f.lastTradeId + 1) this.gap({ symbol, stream: 'trades', kind: 'trade-ids', fromId: f.lastTradeId + 1, toId: idNum - 1, missing: idNum - f.lastTradeId - 1 })
      }
      if (idNum !== null) f.lastTradeId = idNum
      const side = t.side === 'sell' || t.side === 'buy' ? t.side : ''
      f.trades.write(ts, `${ts},${t.id ?? ''},${side},${t.price},${t.amount}`)
      this.counts.trades++
      const closed = f.builder.add(ts, t.price, t.amount)
      if (closed !== null) {
        f.bars.write(closed.ts, `${closed.ts},${closed.open},${closed.high},${closed.low},${closed.close},${closed.volume}`)
        this.counts.bars++
      }
    }
  }

  private quote(symbol: string, bid: number, ask: number, bidSize: number, askSize: number, ts: number): void {
    const f = this.files.get(symbol)
    if (f === undefined) return
    const line = `${bid},${ask},${bidSize},${askSize}`
    // Only changes of the top of book (depth updates below it do not count).
    if (line === f.lastQuote) return
    f.lastQuote = line
    f.quotes.write(ts, `${ts},${line}`)
    this.counts.quotes++
  }
}
