/** Rendering of report rows: a padded table for people, CSV for tools. */
export type Cell = string | number | null

const show = (v: Cell, digits: number): string => (v === null ? '-' : typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(digits)) : v)

export function table(columns: readonly string[], rows: readonly Cell[][], digits = 4): string {
  const text = rows.map((r) => r.map((c) => show(c, digits)))
  const widths = columns.map((h, i) => Math.max(h.length, ...text.map((r) => r[i]!.length)))
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  return `${[line(columns), ...text.map(line)].join('\n')}\n`
}

const csvCell = (v: Cell): string => {
  if (v === null) return ''
  const s = String(v)
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export const csv = (columns: readonly string[], rows: readonly Cell[][]): string => `${[columns, ...rows].map((r) => r.map(csvCell).join(',')).join('\n')}\n`
