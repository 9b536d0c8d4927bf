/** One sample of a Prometheus text exposition. */
export interface PromSample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(?:,|$)/y

/**
 * Parses the text format (version 0.0.4) strictly: HELP/TYPE lines, every sample's family typed
 * before it, label syntax, values as floats (NaN, ±Inf). Throws naming the line that is wrong.
 */
export function parsePrometheusText(text: string): { types: Map<string, string>; samples: PromSample[] } {
  const types = new Map<string, string>()
  const samples: PromSample[] = []
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue
    const where = `line ${i + 1}: ${line}`
    if (line.startsWith('# HELP ')) {
      if (!NAME.test(line.split(' ')[2] ?? '')) throw new Error(`bad HELP, ${where}`)
      continue
    }
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ')
      if (!NAME.test(name ?? '') || !['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(type ?? '')) throw new Error(`bad TYPE, ${where}`)
      types.set(name!, type!)
      continue
    }
    if (line.startsWith('#')) continue
    const m = SAMPLE.exec(line)
    if (m === null) throw new Error(`not a sample, ${where}`)
    const [, name, rawLabels, rawValue] = m
    const labels: Record<string, string> = {}
    if (rawLabels !== undefined && rawLabels !== '') {
      LABEL.lastIndex = 0
      while (LABEL.lastIndex < rawLabels.length) {
        const l = LABEL.exec(rawLabels)
        if (l === null) throw new Error(`bad labels, ${where}`)
        labels[l[1]!] = l[2]!
      }
    }
    const value = rawValue === '+Inf' ? Number.POSITIVE_INFINITY : rawValue === '-Inf' ? Number.NEGATIVE_INFINITY : Number(rawValue)
    if (Number.isNaN(value) && rawValue !== 'NaN') throw new Error(`bad value, ${where}`)
    const family = [...types.keys()].find((t) => name === t || name === `${t}_bucket` || name === `${t}_sum` || name === `${t}_count` || name === `${t}_total`)
    if (family === undefined) throw new Error(`sample before its TYPE, ${where}`)
    samples.push({ name: name!, labels, value })
  }
  return { types, samples }
}

/** The value of the one sample named `name` whose labels include `labels`. */
export function sampleValue(samples: readonly PromSample[], name: string, labels: Record<string, string> = {}): number {
  const hits = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  if (hits.length !== 1) throw new Error(`${hits.length} samples ${name}${JSON.stringify(labels)}`)
  return hits[0]!.value
}
