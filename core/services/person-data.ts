// A person's rights over their data (docs/privacy.md): everything citywifi
// holds about one device (MAC) or one phone number, exported as JSON or
// erased. The CLI (`citywifi person …`) and the admin app (admin/privacy)
// both call these, so both audit the same way.
//
// A phone number is never stored: consents and OTP challenges keep its keyed
// hash, and the devices that verified with it are the person's devices. So
// asking by phone covers the phone's records and those devices; asking by MAC
// covers the device.
//
// Erasure deletes the device and what hangs on it; the ended sessions stay as
// anonymous rows (no device, user name, address or session id) because the
// statistics officials read are counted from them and must not change when a
// person leaves. A device online at that moment is refused: its open session
// is still being written by accounting.
import type { Prisma, PrismaClient } from '../db/generated/client.js'
import { ConflictError, InputError } from '../errors.js'
import { canonicalMac } from '../mac.js'
import type { SecretBox } from '../secret-box.js'
import { auditEvent, type Actor } from './audit.js'
import { announceChanges, recordChange } from './changes.js'
import { phoneHash, vietnameseMobile } from './otp.js'
import { maskedPhone } from './sessions.js'

export type PersonKey = { mac: string; phone?: undefined } | { phone: string; mac?: undefined }

interface Resolved {
  /** What was asked, as the audit log keeps it (a phone number masked). */
  shown: string
  request: { mac: string } | { phone: string }
  macs: string[]
  deviceIds: number[]
  phoneHashes: string[]
}

/** The spellings a NAS may use for a MAC as a user name (MAC authentication). */
function macSpellings(mac: string): string[] {
  const hex = mac.replace(/-/g, '')
  const pairs = mac.split('-')
  const forms = [mac, pairs.join(':'), hex, pairs.join('.')]
  return [...new Set(forms.flatMap((f) => [f, f.toLowerCase()]))]
}

async function resolve(prisma: PrismaClient, secrets: SecretBox, key: PersonKey): Promise<Resolved> {
  if (key.mac !== undefined) {
    const mac = canonicalMac(key.mac)
    if (!mac) throw new InputError(`"${key.mac}" is not a MAC address`, 'mac', 'session.mac')
    const device = await prisma.device.findUnique({ where: { mac }, select: { id: true } })
    return { shown: mac, request: { mac }, macs: [mac], deviceIds: device ? [device.id] : [], phoneHashes: [] }
  }
  if (key.phone === undefined || key.phone.trim() === '') throw new InputError('give a MAC address or a phone number', 'mac', 'privacy.what')
  const e164 = vietnameseMobile(key.phone)
  if (!e164) throw new InputError(`"${key.phone}" is not a Vietnamese mobile number`, 'phone', 'session.phone')
  const hash = phoneHash(secrets, e164)
  const consents = await prisma.consent.findMany({ where: { phoneHash: hash }, select: { device: { select: { id: true, mac: true } } } })
  const devices = new Map(consents.map((c) => [c.device.id, c.device.mac]))
  return { shown: maskedPhone(e164), request: { phone: e164 }, macs: [...devices.values()], deviceIds: [...devices.keys()], phoneHashes: [hash] }
}

function sessionsWhere(p: Resolved): Prisma.SessionWhereInput {
  const or: Prisma.SessionWhereInput[] = []
  if (p.deviceIds.length) or.push({ deviceId: { in: p.deviceIds } })
  if (p.macs.length) or.push({ deviceId: null, username: { in: p.macs.flatMap(macSpellings) } })
  return or.length ? { OR: or } : { id: -1n }
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null)

export interface PersonExport {
  request: { mac: string } | { phone: string }
  exportedAt: string
  note: string
  devices: { mac: string; firstSeenAt: string; lastSeenAt: string }[]
  consents: { mac: string; site: string; terms: string; method: string; phoneVerified: boolean; acceptedAt: string; expiresAt: string }[]
  otpChallenges: { site: string; mac: string | null; createdAt: string; expiresAt: string; verifiedAt: string | null; attempts: number; sentCount: number }[]
  loginCredentials: { username: string; method: string; site: string; createdAt: string; expiresAt: string; usedAt: string | null }[]
  vouchers: { code: string; batch: string | null; mac: string; firstUsedOnDevice: string }[]
  sessions: {
    id: string
    site: string
    accessPoint: string
    acctSessionId: string
    username: string
    method: string | null
    framedIp: string | null
    calledStation: string | null
    nasPort: string | null
    startedAt: string
    stoppedAt: string | null
    sessionSeconds: number
    inputOctets: string
    outputOctets: string
    terminateCause: string | null
    closeReason: string | null
  }[]
  dailyUsage: { mac: string; day: string; seconds: number; octets: string }[]
  disconnectRequests: { session: string; kind: string; state: string; requestedBy: string | null; createdAt: string }[]
}

const EXPORT_NOTE =
  'Everything citywifi holds about this device or phone number. A phone number is stored only as a keyed hash, so it appears here only as the fact that it was verified. Statistics contain no personal data and are not listed. / Toàn bộ dữ liệu citywifi lưu về thiết bị hoặc số điện thoại này. Số điện thoại chỉ được lưu dưới dạng mã băm có khoá. Số liệu thống kê không chứa dữ liệu cá nhân nên không liệt kê.'

/** Everything held about one device or phone number; the look-up is audited. */
export async function exportPerson(prisma: PrismaClient, secrets: SecretBox, key: PersonKey, actor: Actor): Promise<PersonExport> {
  const p = await resolve(prisma, secrets, key)
  const consentWhere: Prisma.ConsentWhereInput = { OR: [{ deviceId: { in: p.deviceIds } }, ...(p.phoneHashes.length ? [{ phoneHash: { in: p.phoneHashes } }] : [])] }
  const otpWhere: Prisma.OtpChallengeWhereInput = { OR: [{ mac: { in: p.macs } }, ...(p.phoneHashes.length ? [{ phoneHash: { in: p.phoneHashes } }] : [])] }
  const [devices, consents, otps, credentials, vouchers, sessions, usage] = await Promise.all([
    prisma.device.findMany({ where: { id: { in: p.deviceIds } }, orderBy: { id: 'asc' } }),
    prisma.consent.findMany({ where: consentWhere, include: { device: { select: { mac: true } }, site: { select: { name: true } }, terms: { select: { version: true } } }, orderBy: { acceptedAt: 'asc' } }),
    prisma.otpChallenge.findMany({ where: otpWhere, include: { site: { select: { name: true } } }, orderBy: { createdAt: 'asc' } }),
    prisma.credential.findMany({ where: { deviceId: { in: p.deviceIds } }, include: { site: { select: { name: true } } }, orderBy: { createdAt: 'asc' } }),
    prisma.voucherDevice.findMany({ where: { deviceId: { in: p.deviceIds } }, include: { voucher: { select: { code: true, batch: true } }, device: { select: { mac: true } } }, orderBy: { firstAt: 'asc' } }),
    prisma.session.findMany({ where: sessionsWhere(p), include: { site: { select: { name: true } }, nas: { select: { name: true } } }, orderBy: { startedAt: 'asc' } }),
    prisma.deviceUsageDaily.findMany({ where: { deviceId: { in: p.deviceIds } }, include: { device: { select: { mac: true } } }, orderBy: [{ deviceId: 'asc' }, { day: 'asc' }] }),
  ])
  const coa = sessions.length
    ? await prisma.coaRequest.findMany({ where: { sessionId: { in: sessions.map((s) => s.id) } }, orderBy: { createdAt: 'asc' } })
    : []
  const out: PersonExport = {
    request: p.request,
    exportedAt: new Date().toISOString(),
    note: EXPORT_NOTE,
    devices: devices.map((d) => ({ mac: d.mac, firstSeenAt: d.firstSeenAt.toISOString(), lastSeenAt: d.lastSeenAt.toISOString() })),
    consents: consents.map((c) => ({
      mac: c.device.mac,
      site: c.site.name,
      terms: c.terms.version,
      method: c.method,
      phoneVerified: c.phoneHash !== null,
      acceptedAt: c.acceptedAt.toISOString(),
      expiresAt: c.expiresAt.toISOString(),
    })),
    otpChallenges: otps.map((o) => ({
      site: o.site.name,
      mac: o.mac,
      createdAt: o.createdAt.toISOString(),
      expiresAt: o.expiresAt.toISOString(),
      verifiedAt: iso(o.verifiedAt),
      attempts: o.attempts,
      sentCount: o.sentCount,
    })),
    loginCredentials: credentials.map((c) => ({ username: c.username, method: c.method, site: c.site.name, createdAt: c.createdAt.toISOString(), expiresAt: c.expiresAt.toISOString(), usedAt: iso(c.usedAt) })),
    vouchers: vouchers.map((v) => ({ code: v.voucher.code, batch: v.voucher.batch, mac: v.device.mac, firstUsedOnDevice: v.firstAt.toISOString() })),
    sessions: sessions.map((s) => ({
      id: String(s.id),
      site: s.site.name,
      accessPoint: s.nas.name,
      acctSessionId: s.acctSessionId,
      username: s.username,
      method: s.method,
      framedIp: s.framedIp,
      calledStation: s.calledStation,
      nasPort: s.nasPort,
      startedAt: s.startedAt.toISOString(),
      stoppedAt: iso(s.stoppedAt),
      sessionSeconds: s.sessionSeconds,
      inputOctets: String(s.inputOctets),
      outputOctets: String(s.outputOctets),
      terminateCause: s.terminateCause,
      closeReason: s.closeReason,
    })),
    dailyUsage: usage.map((u) => ({ mac: u.device.mac, day: u.day.toISOString().slice(0, 10), seconds: u.seconds, octets: String(u.octets) })),
    disconnectRequests: coa.map((c) => ({ session: String(c.sessionId), kind: c.kind, state: c.state, requestedBy: c.requestedBy, createdAt: c.createdAt.toISOString() })),
  }
  await auditEvent(prisma, actor, 'person.export', p.shown, {
    devices: out.devices.length,
    consents: out.consents.length,
    sessions: out.sessions.length,
  })
  return out
}

export interface PersonErasure {
  /** What was asked: a MAC, or a phone number masked. */
  person: string
  devices: number
  consents: number
  otpChallenges: number
  /** Ended sessions kept for the statistics with nothing left that points at the person. */
  sessionsAnonymised: number
  disconnectRequests: number
}

/**
 * Erases one device's or phone number's data (see the file comment for what
 * stays); audited. Refused while one of the devices is online.
 */
export async function erasePerson(prisma: PrismaClient, secrets: SecretBox, key: PersonKey, actor: Actor): Promise<PersonErasure> {
  const p = await resolve(prisma, secrets, key)
  const where = sessionsWhere(p)
  const result = await prisma.$transaction(async (tx) => {
    const open = await tx.session.findFirst({ where: { AND: [where, { stoppedAt: null }] }, select: { startedAt: true } })
    if (open) {
      throw new ConflictError(
        `${p.shown} is online now (a session since ${open.startedAt.toISOString()}): disconnect it first, then erase once the session has ended`,
        'mac',
        'privacy.online',
      )
    }
    const sessionIds = (await tx.session.findMany({ where, select: { id: true } })).map((s) => s.id)
    const coa = await tx.coaRequest.deleteMany({ where: { sessionId: { in: sessionIds } } })
    // The user name, address and NAS session id are what tie a row to a device; the times and volumes stay for the statistics.
    const anonymised = sessionIds.length
      ? await tx.$executeRawUnsafe(
          `UPDATE "Session" SET "username" = 'erased', "acctSessionId" = 'erased-' || id, "deviceId" = NULL, "voucherId" = NULL, "framedIp" = NULL, "nasPort" = NULL WHERE id = ANY($1::bigint[])`,
          sessionIds.map(String),
        )
      : 0
    const phoneConsents = p.phoneHashes.length ? await tx.consent.deleteMany({ where: { phoneHash: { in: p.phoneHashes } } }) : { count: 0 }
    const deviceConsents = await tx.consent.count({ where: { deviceId: { in: p.deviceIds } } })
    const otp = await tx.otpChallenge.deleteMany({ where: { OR: [{ mac: { in: p.macs } }, ...(p.phoneHashes.length ? [{ phoneHash: { in: p.phoneHashes } }] : [])] } })
    // Consents, one-time logins, quota counters and voucher bindings go with the device (ON DELETE CASCADE).
    const devices = await tx.device.deleteMany({ where: { id: { in: p.deviceIds } } })
    if (devices.count) await recordChange(tx, 'all')
    const erased: PersonErasure = {
      person: p.shown,
      devices: devices.count,
      consents: phoneConsents.count + deviceConsents,
      otpChallenges: otp.count,
      sessionsAnonymised: anonymised,
      disconnectRequests: coa.count,
    }
    const { person: _person, ...counts } = erased
    await auditEvent(tx, actor, 'person.erase', p.shown, counts)
    return erased
  })
  if (result.devices) announceChanges()
  return result
}
