// The statistics this area shows, as core/stats/report.ts answers them
// (issue #11's contract with the figures' side). Pages, charts, CSV and PDF
// read only these shapes, never a session or a device.
export type Interval = 'hour' | 'day' | 'month'

export interface LoginMethods {
  click_through: number
  otp: number
  voucher: number
  mac: number
}

export interface Figures {
  sessions: number
  uniqueDevices: number
  newDevices: number
  inputOctets: number
  outputOctets: number
  sessionSeconds: number
  peakConcurrent: number
  medianSessionSeconds: number | null
  averageSessionSeconds: number | null
  loginMethods: LoginMethods
  rejects: Record<string, number>
  linkClicks: Record<string, number>
}

export interface UsageQuery {
  siteId: number | null
  from: string
  to: string
  interval: Interval
}

export interface UsageReport {
  site: { id: number; name: string } | null
  from: string
  to: string
  interval: Interval
  timeZone: string
  totals: Figures
  series: Array<{ start: string } & Figures>
}

export interface Dashboard {
  onlineNow: number
  today: Figures
  sameWeekdayLastWeek: Figures
  last30Days: UsageReport
}

export interface Heatmap {
  cells: Array<{ weekday: number; hour: number; sessions: number; online: number }>
}
