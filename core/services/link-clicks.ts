// The links a site shows on its splash page (the city's online public
// services, "Công dân số", the feedback app) and how often people follow
// them: one counter per site, hour and link, nothing about who clicked.
import type { Prisma, PrismaClient } from '../db/generated/client.js'

type Tx = PrismaClient | Prisma.TransactionClient

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

/** The start of the UTC hour `at` falls in (statistics tables are per hour). */
export function hourOf(at: Date): Date {
  const d = new Date(at)
  d.setUTCMinutes(0, 0, 0)
  return d
}

/** Counts one click; concurrent clicks add up (one upsert, no read-modify-write). */
export async function countLinkClick(db: Tx, siteId: number, linkKey: string, at: Date = new Date()): Promise<void> {
  const hour = hourOf(at)
  await db.$executeRaw`
    INSERT INTO "LinkClickHourly" ("siteId", "hour", "linkKey", "count")
    VALUES (${siteId}, ${hour}, ${linkKey}, 1)
    ON CONFLICT ("siteId", "hour", "linkKey") DO UPDATE SET "count" = "LinkClickHourly"."count" + 1`
}
