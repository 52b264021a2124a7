// Reports of the shape core/stats/report.ts answers, made up with known
// numbers, for testing how the statistics area draws and writes them.
import type { Figures, Heatmap, Interval, UsageReport } from '../../admin/stats/figures.js'
import { emptyFigures } from '../../core/stats/report.js'

/** A small deterministic generator (the same "random" month on every run). */
function rng(seed: number) {
  let s = seed >>> 0
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32)
}

export function figures(over: Partial<Figures> = {}): Figures {
  return { ...emptyFigures(), ...over }
}

function busy(r: () => number, scale: number): Figures {
  const sessions = Math.round(scale * (0.6 + r() * 0.8))
  const devices = Math.round(sessions * 0.7)
  return figures({
    sessions,
    uniqueDevices: devices,
    newDevices: Math.round(devices * 0.3),
    inputOctets: Math.round(sessions * 12e6 * (0.5 + r())),
    outputOctets: Math.round(sessions * 95e6 * (0.5 + r())),
    sessionSeconds: sessions * 1500,
    peakConcurrent: Math.max(1, Math.round(sessions / 9)),
    medianSessionSeconds: sessions ? 1200 + Math.round(r() * 300) : null,
    averageSessionSeconds: sessions ? 1500 + Math.round(r() * 400) : null,
    loginMethods: { click_through: Math.round(sessions * 0.55), otp: Math.round(sessions * 0.1), voucher: Math.round(sessions * 0.05), mac: sessions - Math.round(sessions * 0.55) - Math.round(sessions * 0.1) - Math.round(sessions * 0.05) },
    rejects: sessions ? { wrong_password: Math.round(sessions * 0.02), expired: Math.round(sessions * 0.01) } : {},
    linkClicks: sessions ? { dichvucong: Math.round(sessions * 0.2), congdanso: Math.round(sessions * 0.08) } : {},
  })
}

function add(a: Figures, b: Figures): Figures {
  const sum = (x: Record<string, number>, y: Record<string, number>) => {
    const out = { ...x }
    for (const [k, v] of Object.entries(y)) out[k] = (out[k] ?? 0) + v
    return out
  }
  return {
    sessions: a.sessions + b.sessions,
    uniqueDevices: a.uniqueDevices + b.uniqueDevices,
    newDevices: a.newDevices + b.newDevices,
    inputOctets: a.inputOctets + b.inputOctets,
    outputOctets: a.outputOctets + b.outputOctets,
    sessionSeconds: a.sessionSeconds + b.sessionSeconds,
    peakConcurrent: Math.max(a.peakConcurrent, b.peakConcurrent),
    medianSessionSeconds: b.medianSessionSeconds ?? a.medianSessionSeconds,
    averageSessionSeconds: b.averageSessionSeconds ?? a.averageSessionSeconds,
    loginMethods: sum(a.loginMethods as unknown as Record<string, number>, b.loginMethods as unknown as Record<string, number>) as unknown as Figures['loginMethods'],
    rejects: sum(a.rejects, b.rejects),
    linkClicks: sum(a.linkClicks, b.linkClicks),
  }
}

const pad = (n: number) => String(n).padStart(2, '0')

/** November 2026 at one site, per day (or per hour of its first day), in Asia/Ho_Chi_Minh. */
export function monthReport(interval: Interval = 'day', site: UsageReport['site'] = { id: 1, name: 'Bộ phận một cửa Phường Bến Thành' }): UsageReport {
  const r = rng(42)
  const series: UsageReport['series'] = []
  if (interval === 'hour') {
    for (let h = 0; h < 24; h++) series.push({ start: `2026-11-02T${pad(h)}:00:00+07:00`, ...busy(r, h >= 7 && h <= 17 ? 40 : 2) })
  } else if (interval === 'day') {
    for (let d = 1; d <= 30; d++) {
      const weekday = new Date(Date.UTC(2026, 10, d)).getUTCDay()
      series.push({ start: `2026-11-${pad(d)}T00:00:00+07:00`, ...(weekday === 0 ? figures() : busy(r, weekday === 6 ? 120 : 400)) })
    }
  } else {
    for (let m = 1; m <= 11; m++) series.push({ start: `2026-${pad(m)}-01T00:00:00+07:00`, ...busy(r, 9000) })
  }
  let totals = series.reduce((acc, b) => add(acc, b), figures())
  // Distinct over the period: fewer than the sum of the buckets (people come back).
  totals = { ...totals, uniqueDevices: Math.round(totals.uniqueDevices * 0.4), newDevices: Math.round(totals.newDevices * 0.5), medianSessionSeconds: 1320, averageSessionSeconds: 1710 }
  const from = interval === 'hour' ? '2026-11-02' : interval === 'day' ? '2026-11-01' : '2026-01-01'
  const to = interval === 'hour' ? '2026-11-02' : interval === 'day' ? '2026-11-30' : '2026-11-30'
  return { site, from, to, interval, timeZone: 'Asia/Ho_Chi_Minh', totals, series }
}

export function weekHeatmap(): Heatmap {
  const cells: Heatmap['cells'] = []
  for (let weekday = 0; weekday < 7; weekday++)
    for (let hour = 0; hour < 24; hour++) {
      const open = weekday < 5 ? hour >= 7 && hour <= 17 : weekday === 5 && hour >= 7 && hour <= 11
      cells.push({ weekday, hour, sessions: open ? 20 + ((hour * 7 + weekday * 3) % 25) : hour % 5 === 0 ? 1 : 0, online: open ? 6 + ((hour + weekday) % 7) / 2 : 0 })
    }
  return { cells }
}
