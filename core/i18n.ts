// Languages for what people read (portal and admin app): Vietnamese first,
// English one click away. Each app has its own catalogue of words; the
// choice of language and the formatting of numbers, dates, durations and
// data volumes are shared here.

export const LANGS = ['vi', 'en'] as const
export type Lang = (typeof LANGS)[number]

const LOCALE: Record<Lang, string> = { vi: 'vi-VN', en: 'en-GB' }

/** The words every catalogue needs for durations. Placeholders: {n}, {h}, {m}. */
export interface DurationMessages {
  'duration.seconds': string
  'duration.minutes': string
  'duration.hours': string
  'duration.hoursMinutes': string
}

export function isLang(v: unknown): v is Lang {
  return v === 'vi' || v === 'en'
}

/** The first of vi/en the Accept-Language header prefers (q-values honoured), or undefined. */
export function fromAcceptLanguage(header: string | undefined): Lang | undefined {
  if (!header) return undefined
  const ranked = header
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().split(';')
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)).find(Boolean)
      return { tag: tag.trim().toLowerCase(), q: q ? Number(q[1]) : 1, i }
    })
    .filter((x) => x.tag && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i)
  for (const { tag } of ranked) {
    const primary = tag.split('-')[0]
    if (isLang(primary)) return primary
  }
  return undefined
}

/** Explicit choice first, then the browser's Accept-Language, then a configured default, then Vietnamese. */
export function pickLang(explicit: unknown, acceptLanguage: string | undefined, fallback?: string): Lang {
  if (isLang(explicit)) return explicit
  return fromAcceptLanguage(acceptLanguage) ?? (isLang(fallback) ? fallback : 'vi')
}

export function fill(template: string, vars: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole))
}

// Intl formatters are costly to make: one of each per language and zone, kept.
const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>()
function numberFormat(locale: string, options: Intl.NumberFormatOptions = {}): Intl.NumberFormat {
  const key = `n ${locale} ${JSON.stringify(options)}`
  let f = formatters.get(key) as Intl.NumberFormat | undefined
  if (!f) formatters.set(key, (f = new Intl.NumberFormat(locale, options)))
  return f
}
function dateFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `d ${locale} ${JSON.stringify(options)}`
  let f = formatters.get(key) as Intl.DateTimeFormat | undefined
  if (!f) formatters.set(key, (f = new Intl.DateTimeFormat(locale, options)))
  return f
}

/** Words, dates and numbers in one language, for one page, from one catalogue. */
export class Translator<M extends DurationMessages> {
  readonly lang: Lang
  readonly other: Lang
  readonly timeZone: string
  readonly #m: M

  constructor(lang: Lang, catalogue: Record<Lang, M>, timeZone: string) {
    this.lang = lang
    this.other = lang === 'vi' ? 'en' : 'vi'
    this.#m = catalogue[lang]
    this.timeZone = timeZone
  }

  t(key: keyof M & string, vars?: Record<string, string | number>): string {
    return fill(this.#m[key] as string, vars)
  }

  /** Whether the catalogue has a key (for keys made at run time, such as error codes). */
  has(key: string): boolean {
    return typeof (this.#m as Record<string, unknown>)[key] === 'string'
  }

  number(n: number | bigint, options?: Intl.NumberFormatOptions): string {
    return numberFormat(LOCALE[this.lang], options).format(n)
  }

  date(d: Date): string {
    return dateFormat(LOCALE[this.lang], { dateStyle: 'long', timeZone: this.timeZone }).format(d)
  }

  dateTime(d: Date): string {
    return dateFormat(LOCALE[this.lang], { dateStyle: 'medium', timeStyle: 'short', timeZone: this.timeZone }).format(d)
  }

  /** 45 → "45 phút"; 5400 s → "1 giờ 30 phút". Under a minute, in seconds. */
  duration(seconds: number): string {
    if (seconds < 60) return this.t('duration.seconds', { n: Math.max(0, Math.floor(seconds)) })
    const minutes = Math.floor(seconds / 60)
    const h = Math.floor(minutes / 60)
    const m = minutes % 60
    if (h === 0) return this.t('duration.minutes', { n: this.number(m) })
    if (m === 0) return this.t('duration.hours', { n: this.number(h) })
    return this.t('duration.hoursMinutes', { h: this.number(h), m })
  }

  /** Bytes in MB or GB (decimal units, as operators sell them). */
  bytes(n: bigint | number): string {
    const value = Number(n)
    const [unit, div] = value >= 1e9 ? (['gigabyte', 1e9] as const) : (['megabyte', 1e6] as const)
    return numberFormat(LOCALE[this.lang], { style: 'unit', unit, maximumFractionDigits: value >= 1e8 ? 1 : 2 }).format(value / div)
  }
}
