// What a statistics page, CSV or PDF is asked for (site, period, unit), read
// from the query string and checked, and the report it gets from
// core/stats/report.ts. Everything here is an aggregate: the sites' names and
// links, and the figures.
import type { AppContext } from '../../core/context.js'
import { siteLinks } from '../../core/services/link-clicks.js'
import { dateString, isDateString, localDay, nextDate } from '../../core/stats/calendar.js'
import { heatmap, usageReport } from '../../core/stats/report.js'
import type { AdminTranslator } from '../render.js'
import { MAX_DAYS } from './api.js'
import type { Heatmap, Interval, UsageReport } from './figures.js'
import { naturalInterval, t } from './format.js'

export interface StatsParams {
  siteId: number | null
  from: string
  to: string
  interval: Interval
}

/** The query string of every statistics page and download (lang is the layout's). */
export const statsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    site: { type: 'string', pattern: '^\\d{0,9}$', description: 'a site id; empty or omitted for all sites' },
    from: { type: 'string', maxLength: 10, description: 'first day, local time (YYYY-MM-DD)' },
    to: { type: 'string', maxLength: 10, description: 'last day, inclusive (YYYY-MM-DD)' },
    interval: { type: 'string', enum: ['hour', 'day', 'month'] },
    lang: { type: 'string', enum: ['vi', 'en'] },
  },
} as const

export interface RawQuery {
  site?: string
  from?: string
  to?: string
  interval?: Interval
  lang?: 'vi' | 'en'
}

export interface SiteChoice {
  id: number
  name: string
  archived: boolean
  links: { key: string; labelVi: string; labelEn: string }[]
}

export async function siteChoices(ctx: AppContext): Promise<SiteChoice[]> {
  const sites = await ctx.db.prisma.site.findMany({ select: { id: true, name: true, archivedAt: true, links: true }, orderBy: { name: 'asc' } })
  return sites.map((s) => ({ id: s.id, name: s.name, archived: s.archivedAt !== null, links: siteLinks(s.links) }))
}

/** The current month so far, per day: what an official opening the page most often wants. */
export function defaultPeriod(timeZone: string, now = new Date()): { from: string; to: string } {
  const today = dateString(localDay(now, timeZone))
  return { from: `${today.slice(0, 8)}01`, to: today }
}

export type Checked = { ok: true; params: StatsParams } | { ok: false; params: StatsParams; problems: { field: 'site' | 'from' | 'to'; message: string }[] }

/**
 * Reads and checks a query. Missing dates take the current month; a missing
 * unit the one that reads best for the period. What is wrong comes back as
 * problems in the person's language, with what was asked kept for the form.
 */
export function readParams(tr: AdminTranslator, q: RawQuery, sites: SiteChoice[], timeZone: string, now = new Date()): Checked {
  const d = defaultPeriod(timeZone, now)
  const from = q.from || (q.to && isDateString(q.to) && q.to < d.from ? `${q.to.slice(0, 8)}01` : d.from)
  const to = q.to || (q.from && isDateString(q.from) && q.from > d.to ? q.from : d.to)
  const problems: { field: 'site' | 'from' | 'to'; message: string }[] = []
  const siteId = q.site ? Number(q.site) : null
  if (siteId !== null && !sites.some((s) => s.id === siteId)) problems.push({ field: 'site', message: tr.t('stats.noSuchSite') })
  if (!isDateString(from)) problems.push({ field: 'from', message: tr.t('stats.badDate') })
  if (!isDateString(to)) problems.push({ field: 'to', message: tr.t('stats.badDate') })
  const interval: Interval = q.interval ?? (isDateString(from) && isDateString(to) && from <= to ? naturalInterval(from, to) : 'day')
  if (!problems.length && to < from) problems.push({ field: 'to', message: tr.t('stats.badRange') })
  if (!problems.length && nextDate(from, MAX_DAYS[interval]) <= to) problems.push({ field: 'to', message: tr.t('stats.tooLong', { interval: t(tr, `stats.interval.${interval}`).toLowerCase(), days: MAX_DAYS[interval] }) })
  const params = { siteId, from, to, interval }
  return problems.length ? { ok: false, params, problems } : { ok: true, params }
}

/** The query string that asks for the same report again (for links to CSV, PDF, another language). */
export function paramsQuery(p: StatsParams, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams({ ...(p.siteId !== null ? { site: String(p.siteId) } : {}), from: p.from, to: p.to, interval: p.interval, ...extra })
  return q.toString()
}

export interface Loaded {
  report: UsageReport
  heat: Heatmap
  linkLabels: Map<string, string>
}

/** The figures of a checked query, and the names of the links they count clicks on. */
export async function loadReport(ctx: AppContext, tr: AdminTranslator, p: StatsParams, sites: SiteChoice[], withHeatmap = true): Promise<Loaded> {
  const tz = ctx.config.timeZone
  const [report, heat] = await Promise.all([
    usageReport(ctx.db.prisma, { siteId: p.siteId, from: p.from, to: p.to, interval: p.interval }, tz),
    withHeatmap ? heatmap(ctx.db.prisma, { siteId: p.siteId, from: p.from, to: p.to }, tz) : Promise.resolve({ cells: [] }),
  ])
  // A link key may be on several sites: the chosen site's name for it first, else the first site's that has it.
  const linkLabels = new Map<string, string>()
  const ordered = p.siteId === null ? sites : [...sites.filter((s) => s.id === p.siteId), ...sites.filter((s) => s.id !== p.siteId)]
  for (const s of ordered) for (const l of s.links) if (!linkLabels.has(l.key)) linkLabels.set(l.key, tr.lang === 'vi' ? l.labelVi : l.labelEn)
  return { report, heat, linkLabels }
}
