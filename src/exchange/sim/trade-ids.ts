/**
 * Trade ids numbered per symbol, market prints and our fills from one sequence each, as Binance
 * numbers them (a recorder or a client sees consecutive ids on a symbol's tape; a hole is a gap).
 */
export class TradeIds {
  private readonly last = new Map<string, number>()

  next(symbol: string): number {
    const n = (this.last.get(symbol) ?? 0) + 1
    this.last.set(symbol, n)
    return n
  }
}
