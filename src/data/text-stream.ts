import { createReadStream, existsSync, openSync, readSync, closeSync, statSync } from 'node:fs'
import { createGunzip } from 'node:zlib'
import { DataError } from './market-rows.ts'

const isGzip = (file: string): boolean => {
  if (file.endsWith('.gz')) return true
  const fd = openSync(file, 'r')
  try {
    const b = Buffer.alloc(2)
    return readSync(fd, b, 0, 2, 0) === 2 && b[0] === 0x1f && b[1] === 0x8b
  } finally {
    closeSync(fd)
  }
}

/** Checks that `file` exists and is a regular file, naming it when not. */
export function checkReadable(file: string): void {
  if (!existsSync(file)) throw new DataError(file, null, 'no such file')
  if (!statSync(file).isFile()) throw new DataError(file, null, 'not a regular file')
}

/** The file's text in chunks, gunzipped when it is gzip (by name or by its magic bytes): nothing is held whole. */
export async function* textChunks(file: string): AsyncGenerator<string> {
  checkReadable(file)
  const raw = createReadStream(file, { highWaterMark: 1 << 20 })
  const stream = isGzip(file) ? raw.pipe(createGunzip()) : raw
  stream.setEncoding('utf8')
  try {
    for await (const chunk of stream) yield chunk as string
  } catch (err) {
    throw new DataError(file, null, `cannot read: ${(err as Error).message}`)
  } finally {
    raw.destroy()
  }
}

/** The first `bytes` of the (decompressed) text, for detecting the format. */
export async function headText(file: string, bytes = 65_536): Promise<string> {
  let out = ''
  for await (const chunk of textChunks(file)) {
    out += chunk
    if (out.length >= bytes) break
  }
  return out.charCodeAt(0) === 0xfeff ? out.slice(1) : out
}

/** Lines of the text, one at a time (CR LF or LF), with their 1-based numbers. */
export async function* textLines(file: string): AsyncGenerator<{ line: string; n: number }> {
  let rest = ''
  let n = 0
  for await (const chunk of textChunks(file)) {
    const text = rest + chunk
    let start = 0
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', start)) {
      let line = text.slice(start, i)
      if (line.endsWith('\r')) line = line.slice(0, -1)
      if (n === 0 && line.charCodeAt(0) === 0xfeff) line = line.slice(1)
      yield { line, n: ++n }
      start = i + 1
    }
    rest = text.slice(start)
  }
  if (rest.length > 0) yield { line: rest.endsWith('\r') ? rest.slice(0, -1) : rest, n: ++n }
}
