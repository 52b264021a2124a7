// Access points and controllers (NAS): registration, edits, secrets, and
// removal. One validation (validateNas) serves `nas add`, the admin pages and
// /api/v1/nas, so a rule added there holds everywhere.
import { randomBytes } from 'node:crypto'
import type { AccessPoint, NasVendor, Prisma, PrismaClient, Site } from '../db/generated/client.js'
import { ConflictError, InputError, isUniqueViolation, NotFoundError, Problems } from '../errors.js'
import { AddressError, parseNasAddress } from '../net.js'
import type { SecretBox } from '../secret-box.js'
import { auditEvent, changes, type Actor } from './audit.js'
import { announceChanges, recordChange } from './changes.js'
import { siteByName } from './sites.js'

export const NAS_VENDORS = ['coovachilli', 'mikrotik', 'opennds', 'generic'] as const satisfies readonly NasVendor[]

export const MIN_SECRET_LENGTH = 16

/** A NAS heard from (accounting, Status-Server, any packet) within this long is "up". */
export const NAS_UP_WINDOW_SECONDS = 15 * 60

/** The fields of `nas add`, with its names; on update, what is left out stays as it is. */
export interface NasInput {
  /** The site by name (as `nas add --site`), or siteId. */
  site?: string
  siteId?: number
  name?: string
  /** Exact address or network: `nas add --ip`. */
  address?: string
  secret?: string
  vendor?: string
  uamSecret?: string | null
  coaPort?: number
  /** BlastRADIUS: accept Access-Request without Message-Authenticator (legacy devices only). */
  allowMissingMessageAuthenticator?: boolean
  /** Language of Reply-Message texts: "vi" (default) or "en" (English, then Vietnamese). */
  language?: string
  /** Hosts the portal may send a browser to when this NAS's redirect is not signed (docs/security.md). */
  loginHosts?: string[]
  /** openNDS: accept unencrypted FAS (level 1), whose clientmac and hid a client can choose. */
  allowInsecureFas?: boolean
}

export interface NewNas extends NasInput {
  site: string
  name: string
  address: string
  secret: string
}

/** What a NAS is shown as: never its secrets. */
export const NAS_FIELDS = ['siteId', 'name', 'address', 'vendor', 'coaPort', 'allowMissingMessageAuthenticator', 'language', 'disabledAt', 'loginHosts', 'allowInsecureFas'] as const

// openNDS's sample FAS keys (its default config and example FAS scripts):
// known to everyone, so they protect nothing. A key sharing its first 32
// characters with one is refused too (AES-256 uses only those 32 bytes).
const SAMPLE_FAS_KEYS = [
  '328411b33fe55127421fa394995711658526ed47d0affad3fe56a0b3930c8689',
  '8a749260bfba87ca3706659d9beaabe928f84025a4ff7531a969e96ac4ee7cbc',
  'c775e7b757ede630cd0aa1113bd102661ab38829ca52a6422ab782862f268646',
]

export function isSampleFasKey(key: string): boolean {
  const k = key.toLowerCase()
  return SAMPLE_FAS_KEYS.some((s) => s.startsWith(k) || k.startsWith(s.slice(0, 32)))
}

function loginHostProblem(host: string): boolean {
  return !/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]{1,253})(:\d{1,5})?$/.test(host)
}

function secretProblem(secret: string): { message: string; key: string; vars?: Record<string, number> } | undefined {
  if (secret.length < MIN_SECRET_LENGTH) {
    return { message: `secret is ${secret.length} characters: a shared secret needs at least ${MIN_SECRET_LENGTH}`, key: 'nas.secretShort', vars: { n: secret.length, min: MIN_SECRET_LENGTH } }
  }
  if (secret.length > 128) return { message: 'the secret is longer than 128 characters', key: 'nas.secretLong' }
  if (!/^[\x21-\x7e]+$/.test(secret)) return { message: 'the secret must be printable ASCII without spaces (NAS consoles mangle the rest)', key: 'nas.secretChars' }
  return undefined
}

export interface ValidNas {
  data: Omit<Prisma.AccessPointUncheckedUpdateInput, 'secretEnc' | 'uamSecretEnc'>
  /** New secrets in clear, to be encrypted by the caller (undefined: unchanged; null: removed). */
  secret?: string
  uamSecret?: string | null
}

/**
 * Checks every given field of a NAS at once (all of them for a new one) and
 * returns them as stored. The site is looked up by name or id.
 */
export async function validateNas(prisma: PrismaClient, input: NasInput, existing?: AccessPoint): Promise<ValidNas> {
  const p = new Problems()
  const data: ValidNas['data'] = {}
  const out: ValidNas = { data }
  const creating = !existing
  if (input.name !== undefined || creating) {
    const name = (input.name ?? '').trim()
    if (!/^[\x21-\x7e]{1,64}$/.test(name)) {
      p.add('name', `"${input.name ?? ''}" is not a usable NAS-Identifier: 1 to 64 printable characters without spaces`, 'nas.name', { name: input.name ?? '' })
    } else data.name = name
  }
  if (input.vendor !== undefined || creating) {
    const vendor = (input.vendor ?? 'generic') as NasVendor
    if (!NAS_VENDORS.includes(vendor)) p.add('vendor', `unknown vendor "${input.vendor}": one of ${NAS_VENDORS.join(', ')}`, 'nas.vendor')
    else data.vendor = vendor
  }
  if (input.address !== undefined || creating) {
    try {
      data.address = parseNasAddress(input.address ?? '').text
    } catch (err) {
      if (!(err instanceof AddressError)) throw err
      p.add('ip', err.message, 'nas.address')
    }
  }
  if (input.secret !== undefined || creating) {
    const problem = secretProblem(input.secret ?? '')
    if (problem) p.add('secret', problem.message, problem.key, problem.vars)
    else out.secret = input.secret
  }
  // The UAM secret (CoovaChilli) or FAS key (openNDS) is all that proves a
  // redirect came from the NAS: as long as a RADIUS secret, never a sample.
  if (input.uamSecret !== undefined) {
    const u = input.uamSecret
    if (u === null || u === '') out.uamSecret = null
    else if (!/^[\x21-\x7e]{16,128}$/.test(u)) p.add('uamSecret', `the UAM secret / FAS key must be ${MIN_SECRET_LENGTH} to 128 printable characters without spaces`, 'nas.uamSecret')
    else if (isSampleFasKey(u)) p.add('uamSecret', "this is openNDS's published sample FAS key: choose your own", 'nas.uamSecret')
    else out.uamSecret = u
  }
  if (input.loginHosts !== undefined) {
    const hosts = input.loginHosts.map((h) => h.trim().toLowerCase()).filter(Boolean)
    const bad = hosts.find(loginHostProblem)
    if (bad !== undefined) p.add('loginHosts', `"${bad}" is not a host or host:port (at most 16)`, 'nas.loginHosts')
    else if (hosts.length > 16) p.add('loginHosts', `${hosts.length} login hosts: at most 16`, 'nas.loginHosts')
    else data.loginHosts = [...new Set(hosts)]
  }
  if (input.allowInsecureFas !== undefined) data.allowInsecureFas = input.allowInsecureFas
  if (input.coaPort !== undefined || creating) {
    const coaPort = input.coaPort ?? 3799
    if (!Number.isInteger(coaPort) || coaPort < 1 || coaPort > 65535) p.add('coaPort', 'the CoA port must be from 1 to 65535', 'nas.coaPort')
    else data.coaPort = coaPort
  }
  if (input.language !== undefined || creating) {
    const language = input.language ?? 'vi'
    if (language !== 'vi' && language !== 'en') p.add('language', `unknown language "${language}": vi or en`, 'nas.language')
    else data.language = language
  }
  if (input.allowMissingMessageAuthenticator !== undefined || creating) data.allowMissingMessageAuthenticator = input.allowMissingMessageAuthenticator ?? false

  if (input.siteId !== undefined && !Number.isInteger(input.siteId)) {
    p.add('site', 'choose a site', 'nas.siteChoose')
  } else if (input.siteId !== undefined) {
    const site = await prisma.site.findUnique({ where: { id: input.siteId } })
    if (!site || site.archivedAt) p.add('site', `no site with id ${input.siteId}`, 'nas.site')
    else data.siteId = site.id
  } else if (input.site !== undefined || creating) {
    try {
      const site = await siteByName(prisma, input.site ?? '')
      if (site.archivedAt) p.add('site', `the site "${site.name}" is archived`, 'nas.siteArchived')
      else data.siteId = site.id
    } catch (err) {
      if (!(err instanceof InputError)) throw err
      p.add('site', err.message, 'nas.site')
    }
  }
  if (typeof data.name === 'string' || typeof data.address === 'string') {
    const or: Prisma.AccessPointWhereInput[] = []
    if (typeof data.address === 'string') or.push({ address: data.address })
    if (typeof data.name === 'string') or.push({ name: data.name })
    const taken = await prisma.accessPoint.findMany({ where: { OR: or, NOT: existing ? { id: existing.id } : undefined }, select: { name: true, address: true } })
    for (const t of taken) {
      if (t.address === data.address) p.add('ip', `the address ${t.address} is already registered (NAS "${t.name}")`, 'nas.addressTaken', { address: t.address, name: t.name })
      if (t.name === data.name) p.add('name', `a NAS named "${t.name}" is already registered (at ${t.address})`, 'nas.nameTaken', { address: t.address, name: t.name })
    }
  }
  p.throwIfAny()
  return out
}

export async function addNas(prisma: PrismaClient, secrets: SecretBox, input: NewNas, actor: Actor): Promise<AccessPoint> {
  const valid = await validateNas(prisma, input)
  try {
    const nas = await prisma.$transaction(async (tx) => {
      const nas = await tx.accessPoint.create({
        data: {
          ...(valid.data as Prisma.AccessPointUncheckedCreateInput),
          secretEnc: secrets.encrypt(valid.secret!),
          uamSecretEnc: valid.uamSecret ? secrets.encrypt(valid.uamSecret) : null,
        },
      })
      await auditEvent(tx, actor, 'nas.create', `nas:${nas.id}`, { after: { ...changes({}, nas, NAS_FIELDS).after, uamSecret: valid.uamSecret ? 'set' : null } })
      await recordChange(tx, 'nas', nas.id)
      return nas
    })
    announceChanges()
    return nas
  } catch (err) {
    if (isUniqueViolation(err)) throw new InputError(`the address or the name "${input.name}" is already registered`, 'ip', 'nas.taken')
    throw err
  }
}

export type NasWithSite = AccessPoint & { site: Site }

export async function getNas(prisma: PrismaClient, id: number): Promise<NasWithSite> {
  const nas = await prisma.accessPoint.findUnique({ where: { id }, include: { site: true } })
  if (!nas) throw new NotFoundError(`no access point with id ${id}`)
  return nas
}

export interface NasSummary extends NasWithSite {
  up: boolean
  sessionsNow: number
}

export function isUp(nas: Pick<AccessPoint, 'lastSeenAt' | 'disabledAt'>, now = Date.now()): boolean {
  return !nas.disabledAt && nas.lastSeenAt !== null && now - nas.lastSeenAt.getTime() < NAS_UP_WINDOW_SECONDS * 1000
}

export async function listNas(prisma: PrismaClient, filter: { siteId?: number } = {}): Promise<NasSummary[]> {
  const rows = await prisma.accessPoint.findMany({ where: { siteId: filter.siteId }, include: { site: true }, orderBy: [{ site: { name: 'asc' } }, { name: 'asc' }] })
  const open = await prisma.session.groupBy({ by: ['nasId'], where: { stoppedAt: null }, _count: { _all: true } })
  const openBy = new Map(open.map((o) => [o.nasId, o._count._all]))
  const now = Date.now()
  return rows.map((r) => ({ ...r, up: isUp(r, now), sessionsNow: openBy.get(r.id) ?? 0 }))
}

export async function updateNas(prisma: PrismaClient, secrets: SecretBox, id: number, input: NasInput, actor: Actor): Promise<AccessPoint> {
  const before = await getNas(prisma, id)
  const valid = await validateNas(prisma, input, before)
  const data: Prisma.AccessPointUncheckedUpdateInput = { ...valid.data }
  if (valid.secret !== undefined) data.secretEnc = secrets.encrypt(valid.secret)
  if (valid.uamSecret !== undefined) data.uamSecretEnc = valid.uamSecret === null ? null : secrets.encrypt(valid.uamSecret)
  const after = await prisma.$transaction(async (tx) => {
    const after = await tx.accessPoint.update({ where: { id }, data })
    const diff = changes(before, after, NAS_FIELDS)
    // Which secret changed, never its value.
    if (valid.secret !== undefined) diff.after = { ...diff.after, secret: 'changed' }
    if (valid.uamSecret !== undefined) diff.after = { ...diff.after, uamSecret: valid.uamSecret === null ? 'removed' : 'changed' }
    if (Object.keys(diff.after).length) {
      await auditEvent(tx, actor, 'nas.update', `nas:${id}`, diff)
      await recordChange(tx, 'nas', id)
    }
    return after
  })
  announceChanges()
  return after
}

/** A new random secret (24 characters, 144 bits), stored encrypted and returned once. */
export async function rotateNasSecret(prisma: PrismaClient, secrets: SecretBox, id: number, which: 'secret' | 'uamSecret', actor: Actor): Promise<{ nas: AccessPoint; secret: string }> {
  await getNas(prisma, id)
  const secret = randomBytes(18).toString('base64url')
  const nas = await prisma.$transaction(async (tx) => {
    const nas = await tx.accessPoint.update({ where: { id }, data: which === 'secret' ? { secretEnc: secrets.encrypt(secret) } : { uamSecretEnc: secrets.encrypt(secret) } })
    await auditEvent(tx, actor, which === 'secret' ? 'nas.rotate-secret' : 'nas.rotate-uam-secret', `nas:${id}`, { name: nas.name })
    await recordChange(tx, 'nas', id)
    return nas
  })
  announceChanges()
  return { nas, secret }
}

/** A disabled NAS is not answered by RADIUS from the next packet on; enabling it again restores it. */
export async function setNasDisabled(prisma: PrismaClient, id: number, disabled: boolean, actor: Actor): Promise<AccessPoint> {
  const before = await getNas(prisma, id)
  if (!disabled && before.site.archivedAt) throw new ConflictError(`the site "${before.site.name}" is archived: restore it first`, 'site', 'nas.siteArchived')
  if (Boolean(before.disabledAt) === disabled) return before
  const nas = await prisma.$transaction(async (tx) => {
    const nas = await tx.accessPoint.update({ where: { id }, data: { disabledAt: disabled ? new Date() : null } })
    await auditEvent(tx, actor, disabled ? 'nas.disable' : 'nas.enable', `nas:${id}`, { name: nas.name })
    await recordChange(tx, 'nas', id)
    return nas
  })
  announceChanges()
  return nas
}

/** Removes a NAS that never had a session; one with sessions is disabled instead (sessions are records). */
export async function removeNas(prisma: PrismaClient, id: number, actor: Actor): Promise<void> {
  const nas = await getNas(prisma, id)
  const sessions = await prisma.session.count({ where: { nasId: id } })
  if (sessions) {
    throw new ConflictError(`the access point has ${sessions} session record(s), which are kept: disable it instead`, 'nas', 'nas.hasSessions', { n: sessions })
  }
  await prisma.$transaction(async (tx) => {
    await tx.accessPoint.delete({ where: { id } })
    await auditEvent(tx, actor, 'nas.remove', `nas:${id}`, { before: changes({}, nas, NAS_FIELDS).after })
    await recordChange(tx, 'nas', id)
  })
  announceChanges()
}
