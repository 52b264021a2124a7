// CSV that a spreadsheet opens as the city's officials expect: UTF-8 with a
// byte-order mark (without it Excel reads Vietnamese as mojibake), CRLF line
// ends, and a cell quoted only when it must be (RFC 4180).

export type CsvCell = string | number | null | undefined

/** One cell: empty for nothing; quoted when it holds a comma, a quote or a line break. */
export function csvCell(v: CsvCell): string {
  if (v === null || v === undefined) return ''
  const s = String(v)
  // A leading =, +, - or @ would be run as a formula by a spreadsheet: a quote makes it text.
  const safe = /^[=+@\t\r]/.test(s) || (/^-/.test(s) && !/^-\d/.test(s)) ? `'${s}` : s
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

/** A whole file: the BOM, then a header row and the rows. */
export function toCsv(header: CsvCell[], rows: CsvCell[][]): string {
  return `\uFEFF${[header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`
}
