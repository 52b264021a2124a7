// A few sentences written from a report's figures, for the top of the
// report page and of the PDF ("X lượt truy cập, Y thiết bị, cao điểm Z người
// lúc …"): what an official would otherwise copy from the tables by hand.
import type { AdminTranslator } from '../render.js'
import type { UsageReport } from './figures.js'
import { bucketText, show, t } from './format.js'
import { METHODS } from './tables.js'

export function summarize(tr: AdminTranslator, r: UsageReport): string[] {
  const f = r.totals
  if (!f.sessions && !f.sessionSeconds) return [tr.t('stats.summary.empty')]
  const out = [
    tr.t('stats.summary.main', {
      sessions: tr.number(f.sessions),
      devices: tr.number(f.uniqueDevices),
      newDevices: tr.number(f.newDevices),
      traffic: tr.bytes(f.inputOctets + f.outputOctets),
      hours: show.hours(tr, f.sessionSeconds),
    }),
  ]
  // The bucket of the peak: the first one that reached the period's highest.
  const peak = r.series.reduce<(typeof r.series)[number] | null>((best, b) => (b.peakConcurrent > (best?.peakConcurrent ?? 0) ? b : best), null)
  if (peak) out.push(tr.t('stats.summary.peak', { peak: tr.number(peak.peakConcurrent), when: bucketText(peak.start, r.interval) }))
  if (r.interval === 'day' && r.series.length > 1) {
    const busiest = r.series.reduce((best, b) => (b.sessions > best.sessions ? b : best))
    if (busiest.sessions) out.push(tr.t('stats.summary.busiest', { day: bucketText(busiest.start, 'day'), sessions: tr.number(busiest.sessions) }))
  }
  if (f.averageSessionSeconds !== null && f.medianSessionSeconds !== null) out.push(tr.t('stats.summary.duration', { average: tr.duration(f.averageSessionSeconds), median: tr.duration(f.medianSessionSeconds) }))
  const methods = METHODS.map((m) => [m, f.loginMethods[m]] as const).sort((a, b) => b[1] - a[1])
  const allMethods = methods.reduce((a, [, n]) => a + n, 0)
  if (allMethods) out.push(tr.t('stats.summary.methods', { method: t(tr, `stats.method.${methods[0]![0]}`), share: tr.number(methods[0]![1] / allMethods, { style: 'percent', maximumFractionDigits: 0 }) }))
  const clicks = Object.values(f.linkClicks).reduce((a, n) => a + n, 0)
  if (clicks) out.push(tr.t('stats.summary.links', { clicks: tr.number(clicks) }))
  return out
}
