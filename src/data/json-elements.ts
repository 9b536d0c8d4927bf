import { DataError } from './market-rows.ts'
import { textChunks } from './text-stream.ts'

/**
 * The elements of a top-level JSON array, parsed one at a time as the text streams in: a file larger
 * than memory is never held whole. Each comes with its 1-based index (the row errors name).
 */
export async function* jsonElements(file: string): AsyncGenerator<{ value: unknown; row: number }> {
  let depth = 0
  let inString = false
  let escaped = false
  let started = false
  let ended = false
  let row = 0
  // The text of the element being read; kept across chunks.
  let pending = ''
  for await (const chunk of textChunks(file)) {
    let from = 0
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i)
      if (inString) {
        if (escaped) escaped = false
        else if (c === 92 /* \ */) escaped = true
        else if (c === 34 /* " */) inString = false
        continue
      }
      if (c === 34) {
        inString = true
        continue
      }
      if (!started) {
        if (c === 91 /* [ */) {
          started = true
          depth = 1
          from = i + 1
        } else if (!isSpace(c) && c !== 0xfeff) throw new DataError(file, null, `not a JSON array (starts with '${chunk[i]}')`)
        continue
      }
      if (ended) {
        if (!isSpace(c)) throw new DataError(file, row, 'text after the end of the JSON array')
        continue
      }
      if (c === 91 || c === 123 /* { */) depth++
      else if (c === 93 /* ] */ || c === 125 /* } */) {
        depth--
        if (depth === 0) {
          const text = pending + chunk.slice(from, i)
          pending = ''
          if (text.trim() !== '') yield { value: parse(file, text, ++row), row }
          ended = true
        }
      } else if (c === 44 /* , */ && depth === 1) {
        const text = pending + chunk.slice(from, i)
        pending = ''
        from = i + 1
        yield { value: parse(file, text, ++row), row }
      }
    }
    if (started && !ended) pending += chunk.slice(from)
  }
  if (!started) throw new DataError(file, null, 'empty file (expected a JSON array)')
  if (!ended) throw new DataError(file, row + 1, 'the JSON array is cut off (file truncated?)')
}

const isSpace = (c: number): boolean => c === 32 || c === 10 || c === 13 || c === 9

function parse(file: string, text: string, row: number): unknown {
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new DataError(file, row, `not valid JSON (${(err as Error).message.split('\n')[0]}): ${text.trim().slice(0, 80)}`)
  }
}
