/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LeaderboardRow } from '../src/backtest/leaderboard.ts'
import { backtestReport, drawdownsPct, heatmap, heatmapParams } from '../src/report/backtest-report.ts'
import { Child } from './support/child.ts'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const dir = mkdtempSync(join(tmpdir(), 'shoal-btreport-'))
// The way npm's scripts start shoal (node with tsx's loader, one process): the tsx CLI's parent
// process SIGKILLs a child that has not acknowledged a relayed signal within ~60 ms, which a busy
// engine may not (seen under coverage: exit 130).
const node = process.execPath
const cli = ['--import', 'tsx', 'src/cli.ts']
let browser: Browser

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium package (.ci/run does) or set CHROMIUM_PATH`)
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
})
afterAll(async () => {
  await browser?.close()
  rmSync(dir, { recursive: true, force: true })
})

const row = (id: string, fast: number, slow: number, netPnl: number, sharpe: number | null): LeaderboardRow => ({
  strategyId: id,
  strategy: 'smaCross',
  params: { fast, slow, short: 0 },
  symbol: 'X/Y',
  entries: 1,
  roundTrips: 1,
  winRate: null,
  netPnl,
  returnPct: netPnl,
  fees: 0,
  maxDrawdownPct: 0,
  sharpe,
  sortino: null,
  profitFactor: null,
  exposurePct: 0,
})

describe('backtest report maths', () => {
  const rows = [row('a', 5, 50, 1, 0.5), row('b', 5, 50, 3, null), row('c', 10, 50, -2, 1), row('d', 10, 100, 4, 2), row('e', 5, 100, 0, 0)]

  it('picks the two parameters with the most values, and averages the figure per pair', () => {
    expect(heatmapParams(rows)).toEqual(['fast', 'slow'])
    expect(heatmapParams([row('a', 5, 50, 0, 0)])).toBeNull()
    const h = heatmap(rows, 'fast', 'slow', 'netPnl')
    expect(h.xs).toEqual([5, 10])
    expect(h.ys).toEqual([50, 100])
    expect(h.cells).toEqual([
      [2, -2],
      [0, 4],
    ])
    // A figure some strategies lack is averaged over those that have it.
    expect(heatmap(rows, 'fast', 'slow', 'sharpe').cells[0]).toEqual([0.5, 1])
    expect(() => heatmap(rows, 'fast', 'window', 'netPnl')).toThrow("--heatmap: no parameter 'window' in these strategies (they have fast, slow, short)")
  })

  it('draws down from the running peak, and keeps the best strategies’ curves in rank order', () => {
    expect(drawdownsPct([100, 110, 99, 121, 110])).toEqual([0, 0, 10, 0, expect.closeTo(9.0909, 3)])
    const r = backtestReport(rows, (id) => (id === 'b' ? null : { ts: [0, 1], equity: [1, id === 'a' ? 2 : 0.5] }), { rankBy: 'netPnl', curves: 3, rows: 2 })
    expect(r.top.map((x) => x.strategyId)).toEqual(['a', 'b'])
    expect(r.curves.map((c) => [c.id, c.drawdownPct[1]])).toEqual([
      ['a', 0],
      ['c', 50],
    ])
  })
})

describe('shoal backtest --html and --http', () => {
  it('writes one self-contained report that opens offline, and serves the run on the dashboard with the same report', async () => {
    const html = join(dir, 'report.html')
    const db = join(dir, 'bt.sqlite')
    const c = new Child(node, [...cli, 'backtest', '--config', 'examples/backtest.yaml', '--persist', 'summary', '--db', db, '--html', html, '--heatmap', 'slow,fast', '--http', '0'])
    try {
      const line = await c.waitFor((l) => typeof l.msg === 'string' && l.msg.startsWith('dashboard listening on '), 120_000, 'the dashboard after the run')
      const base = String(line.url).replace(/\/$/, '')
      const report = (await (await fetch(`${base}/api/report`)).json()) as { top: unknown[]; curves: { id: string }[]; heatmap: { x: string; y: string; xs: number[]; ys: number[] } }
      expect(report.top).toHaveLength(54)
      expect(report.curves).toHaveLength(10)
      expect(report.heatmap).toMatchObject({ x: 'slow', y: 'fast', xs: [50, 100, 200], ys: [5, 10, 20] })
      // The file: nothing loaded from anywhere, no errors, its charts drawn, the same leaderboard.
      const text = readFileSync(html, 'utf8')
      expect(text).not.toMatch(/<script[^>]+src=|<link[^>]+href="(?!https:\/\/www\.tradingview)/)
      const page = await browser.newPage()
      const errors: string[] = []
      const requests: string[] = []
      page.on('pageerror', (e) => errors.push(String(e)))
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
      page.on('request', (r) => requests.push(r.url()))
      await page.goto(`file://${html}`)
      await page.waitForSelector('body[data-ready="true"]')
      expect(errors).toEqual([])
      expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([])
      expect(await page.locator('[data-testid="report-leaderboard"] tbody tr').count()).toBe(54)
      expect(await page.locator('table.heat td').count()).toBe(9)
      const drawn = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLCanvasElement>('[data-testid="report-equity"] canvas')].some(
          (cv) =>
            cv.width > 0 &&
            cv
              .getContext('2d')!
              .getImageData(0, 0, cv.width, cv.height)
              .data.some((v, i) => i % 4 === 3 && v > 0),
        ),
      )
      expect(drawn).toBe(true)
      // The dashboard shows the same report for this run.
      await page.goto(`${base}/`)
      await page.waitForSelector('body[data-ready="true"]')
      await page.waitForSelector('[data-testid="backtest"]:not([hidden])')
      expect(await page.locator('[data-testid="backtest"] table.heat td').count()).toBe(9)
      expect(errors).toEqual([])
      await page.close()
      c.signalGroup('SIGINT')
      const exit = await c.exit
      expect([exit.code, c.stderr.slice(-1500)]).toEqual([0, expect.any(String)])
    } finally {
      c.killGroup()
    }
  }, 180_000)

  it('names what is wrong with the report flags and exits 2', async () => {
    for (const [args, message] of [
      [['--heatmap', 'fast'], "--heatmap: expected two different parameter names like fast,slow, got 'fast'"],
      [['--heatmap', 'fast,window'], "--heatmap: no parameter 'window' in examples/backtest.yaml's strategies (they have fast, slow)"],
      [['--html', join(dir, 'r.txt')], `--html: expected a .html path, got '${join(dir, 'r.txt')}'`],
      [['--html', join(dir, 'r.html'), '--walk-forward', '6d/3d'], '--html: the report is for a single backtest, not --walk-forward'],
      [['--heatmap-metric', 'luck'], '--heatmap-metric: expected one of netPnl'],
    ] as const) {
      const c = new Child(node, [...cli, 'backtest', '--config', 'examples/backtest.yaml', '--persist', 'summary', '--db', join(dir, 'x.sqlite'), ...args])
      const { code } = await c.exit
      expect(code).toBe(2)
      expect(c.stderr).toContain(message)
    }
  })
})
