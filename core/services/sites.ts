// Sites: the one-stop offices and squares. Shared by the CLI, the admin
// pages and /api/v1/sites: validation, audit and the change log live here.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { Policy, Prisma, PrismaClient, Site } from '../db/generated/client.js'
import { ConflictError, InputError, isUniqueViolation, NotFoundError, Problems } from '../errors.js'
import { auditEvent, changes, type Actor } from './audit.js'
import { announceChanges, recordChange } from './changes.js'

export interface SiteLinkInput {
  key?: string
  labelVi: string
  labelEn?: string
  url: string
}

/** Every field of a site a person sets; on update, what is left out stays as it is. */
export interface SiteInput {
  name?: string
  address?: string | null
  ssid?: string | null
  latitude?: number | null
  longitude?: number | null
  policyId?: number | null
  allowClickThrough?: boolean
  allowVoucher?: boolean
  allowOtp?: boolean
  /** Directive 66/CT-BTTTT mode: every user verifies a phone number. */
  otpRequired?: boolean
  links?: SiteLinkInput[]
  landingUrl?: string | null
}

export const SITE_FIELDS = [
  'name',
  'address',
  'ssid',
  'latitude',
  'longitude',
  'policyId',
  'allowClickThrough',
  'allowVoucher',
  'allowOtp',
  'otpRequired',
  'links',
  'landingUrl',
  'logoPath',
  'archivedAt',
] as const

/** The portal's splash page budget (30 KB in all) leaves this much for a logo. */
export const MAX_LOGO_BYTES = 12 * 1024
export const MAX_LINKS = 8

export function validSiteName(input: string): string {
  const name = input.trim()
  if (!name) throw new InputError('the site name is empty', 'name', 'site.nameEmpty')
  if (name.length > 120) throw new InputError('the site name is longer than 120 characters', 'name', 'site.nameLong')
  return name
}

function httpUrl(v: string): boolean {
  try {
    const u = new URL(v)
    return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password
  } catch {
    return false
  }
}

const blank = (v: string | null | undefined) => (v === null || v === undefined || v.trim() === '' ? null : v.trim())

/** Checks every given field at once and returns them as the database stores them. */
export function validateSite(input: SiteInput, existing?: Site): Prisma.SiteUncheckedUpdateInput {
  const p = new Problems()
  const out: Prisma.SiteUncheckedUpdateInput = {}
  if (input.name !== undefined || !existing) {
    try {
      out.name = validSiteName(input.name ?? '')
    } catch (err) {
      const e = err as InputError
      p.add('name', e.message, e.key)
    }
  }
  if (input.address !== undefined) {
    const a = blank(input.address)
    if (a && a.length > 300) p.add('address', 'the address is longer than 300 characters', 'site.addressLong')
    out.address = a
  }
  if (input.ssid !== undefined) {
    const s = input.ssid === null ? null : input.ssid.trim() === '' ? null : input.ssid
    // An SSID is 1 to 32 bytes (IEEE 802.11).
    if (s !== null && Buffer.byteLength(s, 'utf8') > 32) p.add('ssid', 'the SSID is longer than 32 bytes', 'site.ssidLong')
    out.ssid = s
  }
  for (const [field, lo, hi] of [
    ['latitude', -90, 90],
    ['longitude', -180, 180],
  ] as const) {
    const v = input[field]
    if (v === undefined) continue
    if (v !== null && (!Number.isFinite(v) || v < lo || v > hi)) p.add(field, `the ${field} must be a number from ${lo} to ${hi}`, `site.${field}`)
    else out[field] = v
  }
  if (!p.has('latitude') && !p.has('longitude') && (input.latitude === null) !== (input.longitude === null) && input.latitude !== undefined && input.longitude !== undefined) {
    p.add('longitude', 'give both coordinates or neither', 'site.coordinatesPair')
  }
  if (input.policyId !== undefined) out.policyId = input.policyId
  for (const flag of ['allowClickThrough', 'allowVoucher', 'allowOtp', 'otpRequired'] as const) {
    if (input[flag] !== undefined) out[flag] = input[flag]
  }
  const allowOtp = input.allowOtp ?? existing?.allowOtp ?? false
  const otpRequired = input.otpRequired ?? existing?.otpRequired ?? false
  if (otpRequired && !allowOtp) p.add('otpRequired', 'requiring a phone number needs the phone code login to be on', 'site.otpRequiredNeedsOtp')
  if (input.links !== undefined) {
    if (input.links.length > MAX_LINKS) p.add('links', `at most ${MAX_LINKS} links`, 'site.linksMany', { n: MAX_LINKS })
    const links: { key: string; labelVi: string; labelEn: string; url: string }[] = []
    input.links.forEach((l, i) => {
      const labelVi = (l.labelVi ?? '').trim()
      const url = (l.url ?? '').trim()
      if (!labelVi && !url) return
      if (!labelVi || labelVi.length > 80) p.add(`links.${i}.labelVi`, 'a link needs a Vietnamese label of at most 80 characters', 'site.linkLabel')
      if (!httpUrl(url)) p.add(`links.${i}.url`, 'a link needs an http:// or https:// URL', 'site.linkUrl')
      const key = (l.key?.trim() || labelVi.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/gi, 'd').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')).slice(0, 40) || `link-${i + 1}`
      if (!/^[a-z0-9_-]{1,40}$/i.test(key)) p.add(`links.${i}.key`, 'a link key is 1 to 40 letters, digits, "-" or "_"', 'site.linkKey')
      const unique = links.some((x) => x.key === key) ? `${key}-${i + 1}` : key
      links.push({ key: unique, labelVi, labelEn: (l.labelEn ?? '').trim() || labelVi, url })
    })
    out.links = links
  }
  if (input.landingUrl !== undefined) {
    const u = blank(input.landingUrl)
    if (u && !httpUrl(u)) p.add('landingUrl', 'the landing page must be an http:// or https:// URL', 'site.landingUrl')
    out.landingUrl = u
  }
  p.throwIfAny()
  return out
}

async function checkPolicy(db: PrismaClient | Prisma.TransactionClient, policyId: number | null | undefined): Promise<void> {
  if (policyId === undefined || policyId === null) return
  if (!Number.isInteger(policyId)) throw new InputError('choose a policy', 'policyId', 'site.noPolicy')
  if (!(await db.policy.findUnique({ where: { id: policyId }, select: { id: true } }))) {
    throw new InputError(`no policy with id ${policyId}`, 'policyId', 'site.noPolicy')
  }
}

export async function addSite(prisma: PrismaClient, input: SiteInput & { name: string }, actor: Actor): Promise<Site> {
  const data = validateSite(input)
  await checkPolicy(prisma, input.policyId)
  try {
    const site = await prisma.$transaction(async (tx) => {
      const site = await tx.site.create({ data: data as Prisma.SiteUncheckedCreateInput })
      await auditEvent(tx, actor, 'site.create', `site:${site.id}`, { after: changes({}, site, SITE_FIELDS).after })
      await recordChange(tx, 'site', site.id)
      return site
    })
    announceChanges()
    return site
  } catch (err) {
    if (isUniqueViolation(err)) throw new InputError(`a site named "${data.name}" already exists`, 'name', 'site.nameTaken', { name: String(data.name) })
    throw err
  }
}

export async function siteByName(prisma: PrismaClient, input: string): Promise<Site> {
  const name = input.trim()
  const site = await prisma.site.findUnique({ where: { name } })
  if (site) return site
  const known = await prisma.site.findMany({ where: { archivedAt: null }, select: { name: true }, orderBy: { name: 'asc' }, take: 10 })
  const hint = known.length ? ` (sites: ${known.map((s) => `"${s.name}"`).join(', ')})` : ' (there are no sites yet: `citywifi site add --name …`)'
  throw new InputError(`no site named "${name}"${hint}`, 'site', 'site.unknown', { name })
}

export async function getSite(prisma: PrismaClient, id: number): Promise<Site & { policy: Policy | null }> {
  const site = await prisma.site.findUnique({ where: { id }, include: { policy: true } })
  if (!site) throw new NotFoundError(`no site with id ${id}`)
  return site
}

export interface SiteSummary extends Site {
  policy: Policy | null
  nasCount: number
  onlineNow: number
}

export async function listSites(prisma: PrismaClient, opts: { archived?: boolean } = {}): Promise<SiteSummary[]> {
  const sites = await prisma.site.findMany({
    where: opts.archived ? {} : { archivedAt: null },
    include: { policy: true, _count: { select: { accessPoints: true } } },
    orderBy: { name: 'asc' },
  })
  const online = await prisma.session.groupBy({ by: ['siteId'], where: { stoppedAt: null }, _count: { _all: true } })
  const onlineBy = new Map(online.map((o) => [o.siteId, o._count._all]))
  return sites.map(({ _count, ...s }) => ({ ...s, nasCount: _count.accessPoints, onlineNow: onlineBy.get(s.id) ?? 0 }))
}

export async function updateSite(prisma: PrismaClient, id: number, input: SiteInput, actor: Actor): Promise<Site> {
  const before = await getSite(prisma, id)
  const data = validateSite(input, before)
  await checkPolicy(prisma, input.policyId)
  try {
    const after = await prisma.$transaction(async (tx) => {
      const after = await tx.site.update({ where: { id }, data })
      const diff = changes(before, after, SITE_FIELDS)
      if (Object.keys(diff.after).length) {
        await auditEvent(tx, actor, 'site.update', `site:${id}`, diff)
        await recordChange(tx, 'site', id)
      }
      return after
    })
    announceChanges()
    return after
  } catch (err) {
    if (isUniqueViolation(err)) throw new InputError(`a site named "${data.name}" already exists`, 'name', 'site.nameTaken', { name: String(data.name) })
    throw err
  }
}

/** Archives a site: it is kept with its sessions and statistics, hidden from lists. Its access points must be disabled or removed first. */
export async function archiveSite(prisma: PrismaClient, id: number, actor: Actor): Promise<Site> {
  const site = await getSite(prisma, id)
  if (site.archivedAt) return site
  const enabled = await prisma.accessPoint.count({ where: { siteId: id, disabledAt: null } })
  if (enabled) {
    throw new ConflictError(`the site has ${enabled} enabled access point(s): disable or remove them first`, 'site', 'site.hasNas', { n: enabled })
  }
  const after = await prisma.$transaction(async (tx) => {
    const after = await tx.site.update({ where: { id }, data: { archivedAt: new Date() } })
    await auditEvent(tx, actor, 'site.archive', `site:${id}`, { name: site.name })
    await recordChange(tx, 'site', id)
    return after
  })
  announceChanges()
  return after
}

export async function restoreSite(prisma: PrismaClient, id: number, actor: Actor): Promise<Site> {
  await getSite(prisma, id)
  const after = await prisma.$transaction(async (tx) => {
    const after = await tx.site.update({ where: { id }, data: { archivedAt: null } })
    await auditEvent(tx, actor, 'site.restore', `site:${id}`, { name: after.name })
    await recordChange(tx, 'site', id)
    return after
  })
  announceChanges()
  return after
}

const LOGO_TYPES: { ext: string; type: string; magic: (b: Buffer) => boolean }[] = [
  { ext: 'png', type: 'image/png', magic: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { ext: 'jpg', type: 'image/jpeg', magic: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { ext: 'webp', type: 'image/webp', magic: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
]

/**
 * Stores a site's logo under <data dir>/logos (where the portal reads it).
 * The type is read from the file's first bytes, not from its name or the
 * browser's claim; SVG is refused (it can carry script).
 */
export async function setSiteLogo(prisma: PrismaClient, dataDir: string, id: number, file: Buffer, actor: Actor): Promise<Site> {
  const site = await getSite(prisma, id)
  if (file.length === 0) throw new InputError('the logo file is empty', 'logo', 'site.logoEmpty')
  if (file.length > MAX_LOGO_BYTES) {
    throw new InputError(`the logo is ${Math.ceil(file.length / 1024)} KB: at most ${MAX_LOGO_BYTES / 1024} KB (the splash page must stay light)`, 'logo', 'site.logoLarge', {
      kb: Math.ceil(file.length / 1024),
      max: MAX_LOGO_BYTES / 1024,
    })
  }
  const kind = LOGO_TYPES.find((t) => t.magic(file))
  if (!kind) throw new InputError('the logo must be a PNG, JPEG or WebP image', 'logo', 'site.logoType')
  const name = `site-${id}-${createHash('sha256').update(file).digest('hex').slice(0, 12)}.${kind.ext}`
  const dir = path.join(dataDir, 'logos')
  await fs.promises.mkdir(dir, { recursive: true })
  // Written under a temporary name and renamed: the portal never reads half a file.
  const tmp = path.join(dir, `.${name}.${process.pid}.tmp`)
  await fs.promises.writeFile(tmp, file, { mode: 0o644 })
  await fs.promises.rename(tmp, path.join(dir, name))
  const after = await prisma.$transaction(async (tx) => {
    const after = await tx.site.update({ where: { id }, data: { logoPath: name } })
    await auditEvent(tx, actor, 'site.logo', `site:${id}`, { before: { logoPath: site.logoPath }, after: { logoPath: name, bytes: file.length, type: kind.type } })
    await recordChange(tx, 'site', id)
    return after
  })
  announceChanges()
  return after
}

export async function removeSiteLogo(prisma: PrismaClient, id: number, actor: Actor): Promise<Site> {
  const site = await getSite(prisma, id)
  const after = await prisma.$transaction(async (tx) => {
    const after = await tx.site.update({ where: { id }, data: { logoPath: null } })
    await auditEvent(tx, actor, 'site.logo', `site:${id}`, { before: { logoPath: site.logoPath }, after: { logoPath: null } })
    await recordChange(tx, 'site', id)
    return after
  })
  announceChanges()
  return after
}
