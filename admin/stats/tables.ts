// Every figure of a report as a table: what the page shows beside each
// chart, what each CSV download holds and what the PDF prints. Each cell has
// the text a person reads and the value a spreadsheet gets: whole numbers in
// the unit its header names (MB, minutes, seconds), because a Vietnamese
// Excel reads "1.5" as fifteen and "1,5" splits a CSV column.
import type { AdminTranslator } from '../render.js'
import type { Figures, Heatmap, UsageReport } from './figures.js'
import { bucketCsv, bucketText, reasonText, show, t } from './format.js'

const MB = 1e6

export type TableKey = 'sessions' | 'uniqueDevices' | 'newDevices' | 'traffic' | 'sessionSeconds' | 'peakConcurrent' | 'duration' | 'loginMethods' | 'rejects' | 'linkClicks' | 'heatmap'

export const TABLE_KEYS: TableKey[] = ['sessions', 'uniqueDevices', 'newDevices', 'traffic', 'sessionSeconds', 'peakConcurrent', 'duration', 'loginMethods', 'rejects', 'linkClicks', 'heatmap']

export interface Column {
  label: string
  /** The header in a CSV file (the label with its unit). */
  csv: string
  numeric: boolean
}

export interface Row {
  cells: string[]
  raw: (string | number | null)[]
}

export interface StatTable {
  key: TableKey
  name: string
  definition: string
  columns: Column[]
  rows: Row[]
  /** The whole period (for devices, distinct over the period, as the report says; never a sum of rows). */
  total?: Row
}

export const METHODS = ['click_through', 'otp', 'voucher', 'mac'] as const

const withUnit = (label: string, unit?: string) => (unit ? `${label} (${unit})` : label)
/** A column; the CSV may count in a smaller unit than the page (whole MB, minutes, seconds). */
const col = (label: string, numeric = true, unit?: string, csvUnit = unit): Column => ({ label: withUnit(label, unit), csv: withUnit(label, csvUnit), numeric })

const perBucket = (tr: AdminTranslator, r: UsageReport, key: TableKey, columns: Column[], cells: (f: Figures) => [string, string | number | null][]): StatTable => ({
  key,
  name: t(tr, `stats.f.${key}`),
  definition: t(tr, `stats.f.${key}.def`),
  columns: [col(tr.t('stats.start'), false), ...columns],
  rows: r.series.map((b) => {
    const c = cells(b)
    return { cells: [bucketText(b.start, r.interval), ...c.map((x) => x[0])], raw: [bucketCsv(b.start, r.interval), ...c.map((x) => x[1])] }
  }),
  total: (() => {
    const c = cells(r.totals)
    return { cells: [tr.t('stats.totals'), ...c.map((x) => x[0])], raw: [tr.t('stats.totals'), ...c.map((x) => x[1])] }
  })(),
})

const round = (n: number | null) => (n === null ? null : Math.round(n))

function breakdown(tr: AdminTranslator, key: TableKey, entries: [string, number][], firstColumn: string): StatTable {
  const sum = entries.reduce((a, [, n]) => a + n, 0)
  const share = (n: number) => (sum ? tr.number(n / sum, { style: 'percent', maximumFractionDigits: 1 }) : '—')
  return {
    key,
    name: t(tr, `stats.f.${key}`),
    definition: t(tr, `stats.f.${key}.def`),
    columns: [col(firstColumn, false), col(tr.t('stats.count')), col(tr.t('stats.share'))],
    rows: entries.map(([label, n]) => ({ cells: [label, show.count(tr, n), share(n)], raw: [label, n, sum ? Math.round((n / sum) * 1000) / 10 : null] })),
    total: { cells: [tr.t('stats.totals'), show.count(tr, sum), sum ? share(sum) : '—'], raw: [tr.t('stats.totals'), sum, sum ? 100 : null] },
  }
}

/** Breakdowns largest first; ties by name so that the order does not move between runs. */
const ranked = (rec: Record<string, number>, label: (k: string) => string): [string, number][] =>
  Object.entries(rec)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => [label(k), n])

export interface TableContext {
  /** The splash-page links' names by key (a site's own, or every site's for all sites). */
  linkLabels: Map<string, string>
}

export function reportTables(tr: AdminTranslator, r: UsageReport, heat: Heatmap | null, ctx: TableContext): StatTable[] {
  const count = (field: 'sessions' | 'uniqueDevices' | 'newDevices' | 'peakConcurrent') => (f: Figures): [string, number][] => [[show.count(tr, f[field]), f[field]]]
  const tables: StatTable[] = [
    perBucket(tr, r, 'sessions', [col(t(tr, 'stats.f.sessions'))], count('sessions')),
    perBucket(tr, r, 'uniqueDevices', [col(t(tr, 'stats.f.uniqueDevices'))], count('uniqueDevices')),
    perBucket(tr, r, 'newDevices', [col(t(tr, 'stats.f.newDevices'))], count('newDevices')),
    perBucket(tr, r, 'traffic', [col(tr.t('stats.f.inputOctets'), true, 'GB', 'MB'), col(tr.t('stats.f.outputOctets'), true, 'GB', 'MB')], (f) => [
      [show.gb(tr, f.inputOctets), Math.round(f.inputOctets / MB)],
      [show.gb(tr, f.outputOctets), Math.round(f.outputOctets / MB)],
    ]),
    perBucket(tr, r, 'sessionSeconds', [col(tr.t('stats.f.sessionSeconds'), true, tr.t('stats.unit.hours'), tr.t('stats.unit.minutes'))], (f) => [[show.hours(tr, f.sessionSeconds), Math.round(f.sessionSeconds / 60)]]),
    perBucket(tr, r, 'peakConcurrent', [col(tr.t('stats.f.peakConcurrent'))], count('peakConcurrent')),
    perBucket(tr, r, 'duration', [col(tr.t('stats.f.medianSessionSeconds'), true, tr.t('stats.unit.minutes'), tr.t('unit.seconds')), col(tr.t('stats.f.averageSessionSeconds'), true, tr.t('stats.unit.minutes'), tr.t('unit.seconds'))], (f) => [
      [show.minutes(tr, f.medianSessionSeconds), round(f.medianSessionSeconds)],
      [show.minutes(tr, f.averageSessionSeconds), round(f.averageSessionSeconds)],
    ]),
    breakdown(tr, 'loginMethods', METHODS.map((m) => [t(tr, `stats.method.${m}`), r.totals.loginMethods[m]]), t(tr, 'stats.f.loginMethods')),
    breakdown(tr, 'rejects', ranked(r.totals.rejects, (k) => reasonText(tr, k)), tr.t('home.reason')),
    breakdown(tr, 'linkClicks', ranked(r.totals.linkClicks, (k) => ctx.linkLabels.get(k) ?? k), t(tr, 'stats.f.linkClicks')),
  ]
  if (heat) tables.push(heatmapTable(tr, heat))
  return tables
}

/** One row per weekday and hour (a spreadsheet pivots it as it likes). */
function heatmapTable(tr: AdminTranslator, heat: Heatmap): StatTable {
  const cells = [...heat.cells].sort((a, b) => a.weekday - b.weekday || a.hour - b.hour)
  return {
    key: 'heatmap',
    name: tr.t('stats.f.heatmap'),
    definition: tr.t('stats.f.heatmap.def'),
    columns: [col(tr.t('stats.weekday'), false), col(tr.t('stats.hour'), false), col(tr.t('stats.f.heatSessions')), col(tr.t('stats.f.heatOnline'))],
    rows: cells.map((c) => ({
      cells: [t(tr, `stats.wd.${c.weekday}`), `${String(c.hour).padStart(2, '0')}:00`, show.count(tr, c.sessions), tr.number(c.online, { maximumFractionDigits: 1 })],
      raw: [t(tr, `stats.wd.${c.weekday}`), c.hour, c.sessions, Math.round(c.online * 10) / 10],
    })),
  }
}
