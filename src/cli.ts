#!/usr/bin/env node
import { ConfigError } from './domain/errors.ts'
import { createLogger } from './log.ts'
import { DEMO_HELP, demoConfig, runDemo, StoreDownError } from './cli/demo.ts'
import { VENUE_HELP, runVenue } from './cli/venue-command.ts'
import { runReport } from './cli/report.ts'
import { BACKTEST_HELP, runBacktestCommand } from './cli/backtest.ts'
import { runDataCommand } from './cli/data-command.ts'
import { DASHBOARD_HELP, runDashboardCommand } from './cli/dashboard-command.ts'
import { runNewCommand } from './cli/new-strategy.ts'
import { RECORD_HELP, runRecord } from './cli/record-command.ts'
import { dryRunReport, RUN_HELP, runCommand } from './cli/run.ts'
import { runSession } from './cli/session.ts'

const HELP = `shoal — run a whole shoal of trading strategies

usage: shoal <command> [flags]     (npm run shoal -- <command> [flags])

commands:
  demo        seed 000's experiment on the simulated venue (npm run demo)
  run         run the strategies of a config file (shoal run --config FILE [--dry-run])
  backtest    replay recorded data through the engine, rank every strategy (shoal backtest --config FILE)
  data        inspect a recorded data file (shoal data inspect FILE)
  new         write a strategy file and its marble test (shoal new strategy NAME [--dir D])
  record      record an exchange's trades, top of book and 1-minute bars to files (shoal record --symbols A/B)
  report      per-strategy orders, fills, PnL, fees, win rate; execution costs; or candles from fills
  dashboard   the web dashboard over a finished run or backtest in the store (read-only)
  exchange    the simulator as a local venue speaking Binance's spot REST API
  help        this text; 'shoal <command> --help' for a command's flags
`

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(HELP)
    return command === undefined ? 2 : 0
  }
  if (command === 'demo') {
    const c = demoConfig(rest)
    if (c === 'help') {
      process.stdout.write(DEMO_HELP)
      return 0
    }
    const summary = await runDemo(c, createLogger())
    process.stderr.write(`\n${JSON.stringify(summary)}\n`)
    return 0
  }
  if (command === 'run') {
    const cmd = await runCommand(rest)
    if (cmd === 'help') {
      process.stdout.write(RUN_HELP)
      return 0
    }
    if (cmd.dryRun) {
      process.stdout.write(await dryRunReport(cmd))
      return 0
    }
    const summary = await runSession(cmd.session, createLogger())
    process.stderr.write(`\n${JSON.stringify(summary)}\n`)
    return 0
  }
  if (command === 'exchange') {
    const r = await runVenue(rest, createLogger())
    if (r === 'help') process.stdout.write(VENUE_HELP)
    return 0
  }
  if (command === 'backtest') {
    const summary = await runBacktestCommand(rest, createLogger())
    if (summary === 'help') process.stdout.write(BACKTEST_HELP)
    else process.stderr.write(`\n${JSON.stringify(summary)}\n`)
    return 0
  }
  if (command === 'dashboard') {
    const r = await runDashboardCommand(rest, createLogger())
    if (r === 'help') process.stdout.write(DASHBOARD_HELP)
    return 0
  }
  if (command === 'data') {
    process.stdout.write(await runDataCommand(rest))
    return 0
  }
  if (command === 'record') {
    const summary = await runRecord(rest, createLogger())
    if (summary === 'help') process.stdout.write(RECORD_HELP)
    else process.stderr.write(`\n${JSON.stringify(summary)}\n`)
    return 0
  }
  if (command === 'new') {
    process.stdout.write(runNewCommand(rest))
    return 0
  }
  if (command === 'report') {
    process.stdout.write(await runReport(rest))
    return 0
  }
  throw new ConfigError('command', `unknown command '${command}' (try: shoal help)`)
}

// ccxt.pro settles some internal futures nobody awaits (a subscription's, when its connection drops):
// those rejections are connection trouble the watch loops already retry, not a reason to crash.
// Anything else unhandled still ends the process.
process.on('unhandledRejection', (err: unknown) => {
  let ccxtError = false
  for (let p = err instanceof Error ? Object.getPrototypeOf(err) : null; p && p !== Error.prototype; p = Object.getPrototypeOf(p)) if (p.constructor.name === 'BaseError') ccxtError = true
  // ccxt sending on a socket that just closed surfaces as the ws library's plain Error, from ccxt's code.
  if (!ccxtError && err instanceof Error && /node_modules[\\/]ccxt[\\/]/.test(err.stack ?? '')) ccxtError = true
  if (!ccxtError) throw err
  process.stderr.write(`${JSON.stringify({ level: 40, time: Date.now(), name: 'shoal', msg: 'ccxt stream error (retried by the watch loops)', err: String(err) })}\n`)
})

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`shoal: ${err.message}\n`)
      process.exit(2)
    }
    if (err instanceof StoreDownError) {
      process.stderr.write(`shoal: ${err.message}\n`)
      process.exit(1)
    }
    process.stderr.write(`shoal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exit(1)
  },
)
