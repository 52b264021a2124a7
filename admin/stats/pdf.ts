// The report as a PDF an official can attach to a report to the steering
// committee: title, site, period, a few sentences written from the figures,
// then each figure's chart (the same ECharts SVG as the page, drawn as
// vectors by svg-to-pdfkit) and table. pdfkit embeds Noto Sans (from npm) so
// that every Vietnamese letter (ư ơ ạ ế ổ …) prints the same everywhere.
import fs from 'node:fs'
import { createRequire } from 'node:module'
import * as fontkit from 'fontkit'
import PDFDocument from 'pdfkit'
import SVGtoPDF from 'svg-to-pdfkit'
import type { AdminTranslator } from '../render.js'
import { barsChart, heatmapChart, pieChart, seriesChart, type SeriesChartKey } from './charts.js'
import type { Heatmap, UsageReport } from './figures.js'
import { dayText, show, t } from './format.js'
import { summarize } from './summary.js'
import { reportTables, type StatTable } from './tables.js'

const require = createRequire(import.meta.url)
export const FONT_REGULAR = require.resolve('@expo-google-fonts/noto-sans/400Regular/NotoSans_400Regular.ttf')
export const FONT_BOLD = require.resolve('@expo-google-fonts/noto-sans/700Bold/NotoSans_700Bold.ttf')

const A4 = { width: 595.28, height: 841.89 }
const MARGIN = 48
const WIDTH = A4.width - 2 * MARGIN
const INK = '#1c2430'
const MUTED = '#5b6675'
const ACCENT = '#12355b'
const RULE = '#d7dde5'
const HEAD_FILL = '#eef2f6'

export interface PdfInput {
  tr: AdminTranslator
  report: UsageReport
  heat: Heatmap
  linkLabels: Map<string, string>
  /** When the report was made (printed in the header). */
  at: Date
}

type Doc = PDFKit.PDFDocument

/**
 * Each font is read and parsed once per process (parsing 600 KB of TrueType
 * for every report was most of a report's time) and handed to each document
 * as the parsed font, which pdfkit subsets per document.
 *
 * Noto Sans's glyph composition (the OpenType ccmp feature) draws "ị" as
 * "i" plus a dot below; the PDF's text layer then maps it back to a plain
 * "i", so copying "thiết bị" or searching the PDF for it fails. Every
 * Vietnamese letter has its own precomposed glyph, so with ccmp off (and the
 * text in NFC) the page looks the same and the text reads right.
 */
const fonts = new Map<string, fontkit.Font>()
function font(file: string): fontkit.Font {
  let f = fonts.get(file)
  if (!f) {
    f = fontkit.create(fs.readFileSync(file)) as fontkit.Font
    const layout = f.layout.bind(f)
    f.layout = ((text: string, features?: Parameters<fontkit.Font['layout']>[1], ...rest: unknown[]) => (layout as (...a: unknown[]) => fontkit.GlyphRun)(text, features ?? { ccmp: false }, ...rest)) as fontkit.Font['layout']
    fonts.set(file, f)
  }
  return f
}

const SERIES: SeriesChartKey[] = ['sessions', 'uniqueDevices', 'newDevices', 'traffic', 'sessionSeconds', 'peakConcurrent', 'duration']

/** Starts a new page when fewer than `need` points are left on this one. */
function room(doc: Doc, need: number): void {
  if (doc.y + need > A4.height - MARGIN) doc.addPage()
}

/**
 * Draws a chart across the text width (narrower charts, such as the ring of
 * login methods, at most `width` of the 720 px a wide chart has), scaled from
 * its viewBox. The root's own width and height are dropped: svg-to-pdfkit
 * would take them as the size to draw at and ignore the room given.
 */
function svg(doc: Doc, markup: string, width: number): void {
  const w = Number(/width="(\d+)"/.exec(markup)?.[1] ?? width)
  const h = Number(/height="(\d+)"/.exec(markup)?.[1] ?? 300)
  const drawnWidth = Math.min(WIDTH, (w / 720) * WIDTH)
  const drawnHeight = (drawnWidth * h) / w
  room(doc, drawnHeight)
  const scalable = markup.replace(/^<svg([^>]*?) width="\d+" height="\d+"/, '<svg$1').normalize('NFC')
  SVGtoPDF(doc, scalable, MARGIN + (WIDTH - drawnWidth) / 2, doc.y, {
    width: drawnWidth,
    height: drawnHeight,
    // Every family the charts name is drawn with the embedded Noto Sans.
    fontCallback: (_family: string, bold: boolean) => (bold ? 'NotoSans-Bold' : 'NotoSans'),
  })
  doc.y += drawnHeight + 8
}

/** A table with a repeated header on each page, numbers right-aligned, the total in bold. */
function table(doc: Doc, tbl: StatTable, none: string): void {
  const n = tbl.columns.length
  const first = n > 2 ? 0.34 : 0.5
  const widths = tbl.columns.map((_, i) => (i === 0 ? WIDTH * first : (WIDTH * (1 - first)) / (n - 1)))
  const rowH = 15
  const header = () => {
    const y = doc.y
    doc.rect(MARGIN, y, WIDTH, rowH + 2).fill(HEAD_FILL)
    let x = MARGIN
    doc.font('NotoSans-Bold').fontSize(8.5).fillColor(INK)
    tbl.columns.forEach((c, i) => {
      doc.text(c.label, x + 4, y + 3, { width: widths[i]! - 8, align: c.numeric ? 'right' : 'left', lineBreak: false, ellipsis: true })
      x += widths[i]!
    })
    doc.y = y + rowH + 2
  }
  const row = (cells: string[], bold: boolean) => {
    if (doc.y + rowH > A4.height - MARGIN) {
      doc.addPage()
      header()
    }
    const y = doc.y
    let x = MARGIN
    doc.font(bold ? 'NotoSans-Bold' : 'NotoSans').fontSize(8.5).fillColor(INK)
    cells.forEach((cell, i) => {
      doc.text(cell.normalize('NFC'), x + 4, y + 3, { width: widths[i]! - 8, align: tbl.columns[i]!.numeric ? 'right' : 'left', lineBreak: false, ellipsis: true })
      x += widths[i]!
    })
    rule(doc, y + rowH)
    doc.y = y + rowH
  }
  room(doc, rowH * 3)
  header()
  if (!tbl.rows.length) row([none, ...tbl.columns.slice(1).map(() => '')], false)
  for (const r of tbl.rows) row(r.cells, false)
  if (tbl.total) row(tbl.total.cells, true)
  doc.y += 8
}

/** A thin line across the page under a table or grid row. */
function rule(doc: Doc, y: number): void {
  doc.moveTo(MARGIN, y).lineTo(MARGIN + WIDTH, y).lineWidth(0.4).strokeColor(RULE).stroke()
}

/** The heat map's sessions as a grid (weekdays down, hours across): 168 cells fit a page's width; a list would take five pages. */
function heatGrid(doc: Doc, tr: AdminTranslator, heat: Heatmap): void {
  const labelW = 58
  const cellW = (WIDTH - labelW) / 24
  const rowH = 14
  room(doc, rowH * 9)
  let y = doc.y
  doc.font('NotoSans-Bold').fontSize(6.5).fillColor(INK)
  for (let h = 0; h < 24; h++) doc.text(String(h), MARGIN + labelW + h * cellW, y + 3, { width: cellW, align: 'center', lineBreak: false })
  y += rowH
  const value = new Map(heat.cells.map((c) => [`${c.weekday}:${c.hour}`, c.sessions]))
  for (let d = 0; d < 7; d++) {
    doc.font('NotoSans').fontSize(7.5).fillColor(INK).text(t(tr, `stats.wd.${d}`), MARGIN, y + 3, { width: labelW - 4, lineBreak: false })
    for (let h = 0; h < 24; h++) {
      doc
        .font('NotoSans')
        .fontSize(6.5)
        .text(tr.number(value.get(`${d}:${h}`) ?? 0), MARGIN + labelW + h * cellW, y + 3.5, { width: cellW, align: 'center', lineBreak: false })
    }
    rule(doc, y + rowH)
    y += rowH
  }
  doc.y = y + 8
}

function heading(doc: Doc, text: string, definition?: string): void {
  room(doc, 80)
  doc.moveDown(0.6)
  doc.font('NotoSans-Bold').fontSize(13).fillColor(ACCENT).text(text, MARGIN, doc.y, { width: WIDTH })
  if (definition) doc.font('NotoSans').fontSize(8.5).fillColor(MUTED).text(definition, { width: WIDTH })
  doc.moveDown(0.3)
}

/** Draws the whole report; resolves with the PDF's bytes. */
export function reportPdf(input: PdfInput): Promise<Buffer> {
  const { tr, report, heat } = input
  const site = (report.site?.name ?? tr.t('stats.allSites')).normalize('NFC')
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    lang: tr.lang === 'vi' ? 'vi-VN' : 'en-GB',
    displayTitle: true,
    info: { Title: `${tr.t('stats.pdfTitle')} — ${site}`, Author: tr.t('brand'), Subject: tr.t('stats.period', { from: dayText(report.from), to: dayText(report.to) }), Creator: 'citywifi' },
  })
  const chunks: Buffer[] = []
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c))
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
  })
  // pdfkit takes a parsed fontkit font as well as a file (its types say only the file).
  doc.registerFont('NotoSans', font(FONT_REGULAR) as unknown as string)
  doc.registerFont('NotoSans-Bold', font(FONT_BOLD) as unknown as string)

  // Title block.
  doc.font('NotoSans-Bold').fontSize(18).fillColor(ACCENT).text(tr.t('stats.pdfTitle'), { width: WIDTH })
  doc.font('NotoSans-Bold').fontSize(13).fillColor(INK).text(site, { width: WIDTH })
  doc.font('NotoSans').fontSize(10.5).fillColor(INK).text(tr.t('stats.period', { from: dayText(report.from), to: dayText(report.to) }))
  doc.fontSize(8.5).fillColor(MUTED).text(tr.t('stats.generated', { at: tr.dateTime(input.at), zone: report.timeZone }))
  doc.moveDown(0.6)

  // Summary, in a box.
  const sentences = summarize(tr, report)
  const top = doc.y
  doc.font('NotoSans-Bold').fontSize(11).fillColor(INK).text(tr.t('stats.pdf.summary'), MARGIN + 12, top + 8, { width: WIDTH - 24 })
  doc.font('NotoSans').fontSize(10).text(sentences.join(' '), { width: WIDTH - 24, lineGap: 2 })
  const bottom = doc.y + 8
  doc.rect(MARGIN, top, 3, bottom - top).fill(ACCENT)
  doc.rect(MARGIN, top, WIDTH, bottom - top).lineWidth(0.6).strokeColor(RULE).stroke()
  doc.y = bottom + 6

  // The headline figures.
  const f = report.totals
  heading(doc, tr.t('stats.pdf.figures'))
  table(doc, {
    key: 'sessions',
    name: '',
    definition: '',
    columns: [
      { label: tr.t('stats.figure'), csv: '', numeric: false },
      { label: tr.t('stats.totals'), csv: '', numeric: true },
    ],
    rows: [
      [t(tr, 'stats.f.sessions'), show.count(tr, f.sessions)],
      [t(tr, 'stats.f.uniqueDevices'), show.count(tr, f.uniqueDevices)],
      [t(tr, 'stats.f.newDevices'), show.count(tr, f.newDevices)],
      [`${tr.t('stats.f.inputOctets')} / ${tr.t('stats.f.outputOctets')}`, `${tr.bytes(f.inputOctets)} / ${tr.bytes(f.outputOctets)}`],
      [`${tr.t('stats.f.sessionSeconds')} (${tr.t('stats.unit.hours')})`, show.hours(tr, f.sessionSeconds)],
      [t(tr, 'stats.f.peakConcurrent'), show.count(tr, f.peakConcurrent)],
      [`${tr.t('stats.f.medianSessionSeconds')} / ${tr.t('stats.f.averageSessionSeconds')} (${tr.t('stats.unit.minutes')})`, `${show.minutes(tr, f.medianSessionSeconds)} / ${show.minutes(tr, f.averageSessionSeconds)}`],
    ].map((cells) => ({ cells, raw: [] })),
  }, tr.t('stats.none'))

  // Each figure: its chart, then its table.
  for (const tbl of reportTables(tr, report, heat, { linkLabels: input.linkLabels })) {
    doc.addPage()
    heading(doc, tbl.name, tbl.definition)
    const entries = tbl.rows.map((r): [string, number] => [String(r.raw[0]), Number(r.raw[1])])
    if ((SERIES as string[]).includes(tbl.key)) svg(doc, seriesChart(tr, report, tbl.key as SeriesChartKey), 720)
    else if (tbl.key === 'loginMethods') svg(doc, pieChart(tr, entries, { width: 520, height: 260 }), 520)
    else if (tbl.key === 'heatmap') {
      svg(doc, heatmapChart(tr, heat, 'sessions'), 720)
      heatGrid(doc, tr, heat)
      heading(doc, tr.t('stats.f.heatOnline'))
      svg(doc, heatmapChart(tr, heat, 'online'), 720)
      continue
    } else svg(doc, barsChart(tr, entries, { width: 520, height: 220 }), 520)
    table(doc, tbl, tr.t('stats.none'))
  }

  // Page numbers, once the count is known.
  const range = doc.bufferedPageRange()
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i)
    const bottomMargin = doc.page.margins.bottom
    doc.page.margins.bottom = 0
    doc
      .font('NotoSans')
      .fontSize(8)
      .fillColor(MUTED)
      .text(`${site} · ${tr.t('stats.periodShort', { from: dayText(report.from), to: dayText(report.to) })}`, MARGIN, A4.height - 30, { width: WIDTH / 2, lineBreak: false })
      .text(tr.t('stats.pdf.page', { n: i + 1 - range.start, total: range.count }), MARGIN + WIDTH / 2, A4.height - 30, { width: WIDTH / 2, align: 'right', lineBreak: false })
    doc.page.margins.bottom = bottomMargin
  }
  doc.end()
  return done
}
