import { createWriteStream, existsSync, type WriteStream } from 'node:fs'
import { join } from 'node:path'

/**
 * A CSV file that starts again every `rotateMs` (by the time of the rows written): NAME-<UTC start>.csv,
 * each with the header, so every file reads on its own. Returns the files written.
 */
export class RotatingCsv {
  private out: WriteStream | null = null
  private until = 0
  readonly files: string[] = []
  rows = 0

  constructor(
    private readonly dir: string,
    private readonly name: string,
    private readonly header: string,
    private readonly rotateMs: number,
  ) {}

  write(ts: number, line: string): void {
    if (this.out === null || ts >= this.until) this.rotate(ts)
    this.out!.write(`${line}\n`)
    this.rows++
  }

  private rotate(ts: number): void {
    this.out?.end()
    const start = ts - (ts % this.rotateMs)
    this.until = start + this.rotateMs
    const stamp = new Date(start)
      .toISOString()
      .replace(/[:]/g, '')
      .replace(/\.\d+Z$/, 'Z')
    const file = join(this.dir, `${this.name}-${stamp}.csv`)
    this.files.push(file)
    // A restart within the same period carries on the file it left (no second header).
    const fresh = !existsSync(file)
    this.out = createWriteStream(file, { flags: 'a' })
    if (fresh) this.out.write(`${this.header}\n`)
  }

  /** Flushes and closes the current file. */
  close(): Promise<void> {
    const out = this.out
    this.out = null
    return out === null ? Promise.resolve() : new Promise((resolve) => out.end(resolve))
  }
}
