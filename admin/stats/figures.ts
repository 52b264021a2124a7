// The statistics this area shows, as core/stats/report.ts answers them
// (issue #11's contract between the figures and their presentation). Pages,
// charts, CSV and PDF read only these shapes, never a session or a device.
export type { Dashboard, Figures, Heatmap, Interval, LoginMethods, UsageQuery, UsageReport } from '../../core/stats/report.js'
