import { spawn, type ChildProcess } from 'node:child_process'

/**
 * A command run the way a user's terminal or a service manager runs it: in its own process group,
 * so a signal can go to the whole group (npm, sh and node at once). Output is kept line by line
 * so a test waits on a log marker instead of sleeping.
 */
export class Child {
  readonly proc: ChildProcess
  stdout = ''
  stderr = ''
  private readonly waiters: (() => void)[] = []
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>

  constructor(command: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
    this.proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: opts.env ?? process.env, cwd: opts.cwd ?? process.cwd() })
    this.proc.stdout!.on('data', (b: Buffer) => this.took('stdout', b))
    this.proc.stderr!.on('data', (b: Buffer) => this.took('stderr', b))
    this.exit = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal })))
    this.exit.then(() => this.wake())
  }

  get pid(): number {
    return this.proc.pid!
  }

  /** Both streams' lines parsed as JSON where they are JSON (pino logs, stats rows). */
  jsonLines(): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = []
    for (const line of `${this.stdout}\n${this.stderr}`.split('\n')) {
      if (!line.startsWith('{')) continue
      try {
        out.push(JSON.parse(line) as Record<string, unknown>)
      } catch {
        // a line cut mid-write or not JSON: not a marker
      }
    }
    return out
  }

  /** Resolves with the first JSON line matching `test`; rejects at the deadline or when the process exits without one. */
  async waitFor(test: (line: Record<string, unknown>) => boolean, deadlineMs = 30_000, what = 'log line'): Promise<Record<string, unknown>> {
    const until = Date.now() + deadlineMs
    let exited = false
    this.exit.then(() => (exited = true))
    for (;;) {
      const hit = this.jsonLines().find(test)
      if (hit !== undefined) return hit
      if (exited) throw new Error(`process exited before ${what}\n${this.stderr.slice(-2000)}`)
      const left = until - Date.now()
      if (left <= 0) throw new Error(`no ${what} within ${deadlineMs} ms\n${this.stderr.slice(-2000)}`)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 1_000))
        this.waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
  }

  /** Sends `signal` to the whole process group, as Ctrl-C or `systemctl stop` does. */
  signalGroup(signal: NodeJS.Signals): void {
    process.kill(-this.pid, signal)
  }

  /** Kills whatever is left of the group (test clean-up). */
  killGroup(): void {
    try {
      process.kill(-this.pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }

  private took(stream: 'stdout' | 'stderr', b: Buffer): void {
    this[stream] += b.toString()
    this.wake()
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w()
  }
}
