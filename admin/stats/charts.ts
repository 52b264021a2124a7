// Charts drawn on the server as SVG by Apache ECharts (its server-side
// renderer: no browser, no script, no CDN), so that they show without
// JavaScript, print, and go into the PDF as they are. One function per kind
// of chart; every label comes from the translator (Vietnamese first).
import { BarChart, HeatmapChart, LineChart, PieChart } from 'echarts/charts'
import { GridComponent, LegendComponent, TitleComponent, VisualMapComponent } from 'echarts/components'
import * as echarts from 'echarts/core'
import { SVGRenderer } from 'echarts/renderers'
import type { AdminTranslator } from '../render.js'
import type { Figures, Heatmap, UsageReport } from './figures.js'
import { axisLabel, GB, t } from './format.js'

echarts.use([BarChart, LineChart, PieChart, HeatmapChart, GridComponent, LegendComponent, TitleComponent, VisualMapComponent, SVGRenderer])

export interface Size {
  width: number
  height: number
}

export const WIDE: Size = { width: 720, height: 300 }
export const SQUARE: Size = { width: 420, height: 300 }

// The PDF embeds Noto Sans and maps this family to it; browsers fall back to their sans-serif.
export const FONT = 'Noto Sans, sans-serif'
const INK = '#1c2430'
const MUTED = '#5b6675'
const LINE = '#d7dde5'
/** Blue, orange, green, purple, red, teal: told apart in colour and in grey print. */
export const PALETTE = ['#0a5ca8', '#e07b00', '#13753a', '#7a3ea8', '#b3261e', '#008b8b', '#8c6d1f', '#5b6675']

/** Renders an ECharts option to an SVG string; animation off, since nothing will ever play it. */
export function renderSvg(option: echarts.EChartsCoreOption, size: Size): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: size.width, height: size.height })
  try {
    chart.setOption({ animation: false, color: PALETTE, textStyle: { fontFamily: FONT, color: INK }, ...option })
    return chart.renderToSVGString()
  } finally {
    chart.dispose()
  }
}

/** The SVG as an image address: an <img> keeps the chart's own inline styles out of the page's Content-Security-Policy. */
export function svgDataUrl(svg: string): string {
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`
}

const axisText = { color: MUTED, fontFamily: FONT, fontSize: 11 }
const valueAxis = (tr: AdminTranslator, name?: string) => ({
  type: 'value',
  name,
  nameTextStyle: { ...axisText, align: 'left' },
  minInterval: 1,
  axisLabel: { ...axisText, formatter: (v: number) => tr.number(v, { maximumFractionDigits: 2 }) },
  splitLine: { lineStyle: { color: LINE } },
})

/** What a chart over time can show: one figure, or a pair drawn side by side. */
export type SeriesChartKey = 'sessions' | 'uniqueDevices' | 'newDevices' | 'traffic' | 'sessionSeconds' | 'peakConcurrent' | 'duration'

interface Line {
  name: string
  value: (f: Figures) => number | null
}

function linesOf(tr: AdminTranslator, key: SeriesChartKey): { lines: Line[]; unit?: string; integer: boolean } {
  switch (key) {
    case 'traffic':
      return {
        lines: [
          { name: tr.t('stats.f.outputOctets'), value: (f) => f.outputOctets / GB },
          { name: tr.t('stats.f.inputOctets'), value: (f) => f.inputOctets / GB },
        ],
        unit: tr.t('stats.unit.gb'),
        integer: false,
      }
    case 'sessionSeconds':
      return { lines: [{ name: tr.t('stats.f.sessionSeconds'), value: (f) => f.sessionSeconds / 3600 }], unit: tr.t('stats.unit.hours'), integer: false }
    case 'duration':
      return {
        lines: [
          { name: tr.t('stats.f.medianSessionSeconds'), value: (f) => (f.medianSessionSeconds === null ? null : f.medianSessionSeconds / 60) },
          { name: tr.t('stats.f.averageSessionSeconds'), value: (f) => (f.averageSessionSeconds === null ? null : f.averageSessionSeconds / 60) },
        ],
        unit: tr.t('stats.unit.minutes'),
        integer: false,
      }
    default:
      return { lines: [{ name: t(tr, `stats.f.${key}`), value: (f) => f[key] }], integer: true }
  }
}

/**
 * One figure over the report's buckets: bars while each bucket is wide
 * enough to see (up to two months of days), a line beyond; peaks and lengths
 * are always lines (they are levels, not amounts to add up).
 */
export function seriesChart(tr: AdminTranslator, report: UsageReport, key: SeriesChartKey, size: Size = WIDE): string {
  const { lines, unit, integer } = linesOf(tr, key)
  const oneDay = report.from === report.to
  const labels = report.series.map((b) => axisLabel(b.start, report.interval, oneDay))
  const asLine = key === 'peakConcurrent' || key === 'duration' || report.series.length > 62
  const option = {
    grid: { left: 56, right: 16, top: lines.length > 1 || unit ? 40 : 20, bottom: 28 },
    legend: lines.length > 1 ? { top: 4, right: 8, textStyle: { fontFamily: FONT, color: INK, fontSize: 12 } } : undefined,
    xAxis: { type: 'category', data: labels, axisLabel: { ...axisText, hideOverlap: true }, axisTick: { alignWithLabel: true }, axisLine: { lineStyle: { color: MUTED } } },
    yAxis: { ...valueAxis(tr, lines.length > 1 ? undefined : unit), minInterval: integer ? 1 : 0 },
    series: lines.map((l) => ({
      name: l.name,
      type: asLine ? 'line' : 'bar',
      data: report.series.map((b) => {
        const v = l.value(b)
        return v === null ? null : Math.round(v * 1000) / 1000
      }),
      barMaxWidth: 28,
      showSymbol: asLine && report.series.length <= 62,
      connectNulls: false,
      step: key === 'peakConcurrent' && report.interval === 'hour' ? 'middle' : undefined,
    })),
    title: lines.length > 1 && unit ? { text: unit, left: 8, top: 6, textStyle: { ...axisText, fontWeight: 'normal' } } : undefined,
  }
  return renderSvg(option, size)
}

/** A few named amounts (login methods): a ring with each share written beside it. */
export function pieChart(tr: AdminTranslator, entries: [string, number][], size: Size = SQUARE): string {
  const data = entries.filter(([, n]) => n > 0).map(([name, value]) => ({ name, value }))
  if (!data.length) return emptyChart(tr, size)
  return renderSvg(
    {
      series: [
        {
          type: 'pie',
          radius: ['34%', '58%'],
          center: ['50%', '52%'],
          data,
          label: { fontFamily: FONT, color: INK, fontSize: 12, overflow: 'none', formatter: (p: { name: string; percent: number }) => `${p.name}\n${tr.number(p.percent / 100, { style: 'percent', maximumFractionDigits: 1 })}` },
          labelLine: { length: 10, length2: 8 },
        },
      ],
    },
    size,
  )
}

/** Many named amounts (reasons, links): horizontal bars, largest on top, the count at each bar's end. */
export function barsChart(tr: AdminTranslator, entries: [string, number][], size: Size = SQUARE): string {
  const top = entries.filter(([, n]) => n > 0).slice(0, 12)
  if (!top.length) return emptyChart(tr, size)
  const height = Math.max(size.height, 60 + top.length * 26)
  const names = top.map(([name]) => (name.length > 40 ? `${name.slice(0, 39)}…` : name)).reverse()
  return renderSvg(
    {
      grid: { left: 8, right: 48, top: 12, bottom: 24, outerBoundsMode: 'same' },
      xAxis: { ...valueAxis(tr) },
      yAxis: { type: 'category', data: names, axisLabel: { ...axisText, color: INK, fontSize: 12 }, axisTick: { show: false }, axisLine: { lineStyle: { color: MUTED } } },
      series: [{ type: 'bar', data: top.map(([, n]) => n).reverse(), barMaxWidth: 18, label: { show: true, position: 'right', fontFamily: FONT, color: INK, formatter: (p: { value: number }) => tr.number(p.value) } }],
    },
    { width: size.width, height },
  )
}

/** Hour of day (across) by weekday (down, Monday on top), one figure of the heat map. */
export function heatmapChart(tr: AdminTranslator, heat: Heatmap, metric: 'sessions' | 'online', size: Size = { width: 720, height: 280 }): string {
  const days = [0, 1, 2, 3, 4, 5, 6].map((d) => t(tr, `stats.wd.${d}`))
  const data = heat.cells.map((c) => [c.hour, 6 - c.weekday, Math.round(c[metric] * 10) / 10])
  const max = Math.max(1, ...heat.cells.map((c) => c[metric]))
  return renderSvg(
    {
      grid: { left: 8, right: 16, top: 12, bottom: 56, outerBoundsMode: 'same' },
      xAxis: { type: 'category', data: Array.from({ length: 24 }, (_, h) => `${h}h`), axisLabel: { ...axisText, interval: 1 }, splitArea: { show: false }, axisLine: { lineStyle: { color: MUTED } } },
      yAxis: { type: 'category', data: [...days].reverse(), axisLabel: { ...axisText, color: INK }, axisLine: { lineStyle: { color: MUTED } } },
      visualMap: {
        min: 0,
        max,
        calculable: false,
        text: [tr.number(max, { maximumFractionDigits: 1 }), '0'],
        orient: 'horizontal',
        left: 'center',
        bottom: 0,
        itemHeight: 160,
        itemWidth: 12,
        textStyle: { ...axisText },
        inRange: { color: ['#f3f6fa', '#9cc3e6', '#3a86c8', '#0a3d73'] },
      },
      series: [{ type: 'heatmap', data, itemStyle: { borderColor: '#fff', borderWidth: 1 } }],
    },
    size,
  )
}

/** Today against the same weekday last week, figure by figure (the dashboard). */
export function comparisonChart(tr: AdminTranslator, today: Figures, lastWeek: Figures, size: Size = SQUARE): string {
  const keys = ['sessions', 'uniqueDevices', 'newDevices', 'peakConcurrent'] as const
  const names = keys.map((k) => t(tr, `stats.f.${k}`))
  const bar = (name: string, f: Figures) => ({ name, type: 'bar', data: keys.map((k) => f[k]), barMaxWidth: 26, label: { show: true, position: 'top', fontFamily: FONT, fontSize: 11, color: INK, formatter: (p: { value: number }) => tr.number(p.value) } })
  return renderSvg(
    {
      grid: { left: 48, right: 12, top: 44, bottom: 28 },
      legend: { top: 4, textStyle: { fontFamily: FONT, color: INK, fontSize: 12 } },
      xAxis: { type: 'category', data: names, axisLabel: { ...axisText, color: INK, interval: 0, width: size.width / keys.length - 8, overflow: 'break' }, axisLine: { lineStyle: { color: MUTED } } },
      yAxis: valueAxis(tr),
      series: [bar(tr.t('stats.lastWeek'), lastWeek), bar(tr.t('stats.today'), today)],
      color: ['#9aa7b6', PALETTE[0]],
    },
    size,
  )
}

/** A frame that says there is nothing to draw, so that a page's layout does not jump. */
export function emptyChart(tr: AdminTranslator, size: Size): string {
  return renderSvg({ title: { text: tr.t('stats.noData'), left: 'center', top: 'middle', textStyle: { fontFamily: FONT, color: MUTED, fontSize: 14, fontWeight: 'normal' } } }, size)
}

/** Whether every bucket of a report is empty of a figure (its chart would be a flat line). */
export function allZero(report: UsageReport, value: (f: Figures) => number | null): boolean {
  return report.series.every((b) => !value(b))
}

