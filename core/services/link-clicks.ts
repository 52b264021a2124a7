// The links a site shows on its splash page (the city's online public
// services, "Công dân số", the feedback app) and how often people follow
// them (counted by core/stats/link-clicks.ts).
export interface SiteLink {
  key: string
  labelVi: string
  labelEn: string
  url: string
}

function isHttpUrl(v: unknown): v is string {
  if (typeof v !== 'string') return false
  try {
    const u = new URL(v)
    return u.protocol === 'http:' || u.protocol === 'https:'
  } catch {
    return false
  }
}

/** Site.links as stored (JSON), keeping only well-formed entries with http(s) URLs. */
export function siteLinks(json: unknown): SiteLink[] {
  if (!Array.isArray(json)) return []
  const out: SiteLink[] = []
  for (const item of json) {
    if (!item || typeof item !== 'object') continue
    const { key, labelVi, labelEn, url } = item as Record<string, unknown>
    if (typeof key !== 'string' || !/^[a-z0-9_-]{1,40}$/i.test(key) || !isHttpUrl(url)) continue
    const vi = typeof labelVi === 'string' && labelVi.trim() ? labelVi.trim() : key
    const en = typeof labelEn === 'string' && labelEn.trim() ? labelEn.trim() : vi
    if (out.some((l) => l.key === key)) continue
    out.push({ key, labelVi: vi, labelEn: en, url })
  }
  return out
}

// Counting clicks moved to core/stats/link-clicks.ts; the portal keeps calling it from here.
export { countLinkClick } from '../stats/link-clicks.js'
export { hourOf } from '../stats/calendar.js'
