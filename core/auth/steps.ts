// The decisions of authorization, one small function each, in the order
// authorize.ts runs them: find the credential → check it → check the device
// and consent → apply the policy → check simultaneous use and quotas → build
// the grant. Each returns a reject reason or nothing; none touches the database.
import { canonicalMac } from '../mac.js'
import { looksLikeVoucherCode, normalizeVoucherCode } from '../voucher-code.js'
import { isCredentialUsername, CREDENTIAL_REUSE_SECONDS } from '../services/credentials.js'
import type { EffectivePolicy, Grant, PasswordProof, RejectReason, Usage } from './types.js'

export type UserKind = { kind: 'credential'; username: string } | { kind: 'voucher'; code: string } | { kind: 'mac'; mac: string } | { kind: 'unknown' }

/** What the User-Name is: a portal credential, a voucher code or a MAC address (MAC authentication). */
export function classifyUser(username: string): UserKind {
  if (isCredentialUsername(username)) return { kind: 'credential', username }
  const mac = canonicalMac(username)
  if (mac) return { kind: 'mac', mac }
  if (looksLikeVoucherCode(username)) return { kind: 'voucher', code: normalizeVoucherCode(username) }
  return { kind: 'unknown' }
}

export function checkPassword(proof: PasswordProof, candidates: string[]): RejectReason | undefined {
  // Every candidate is tried, so the time taken does not tell which one was close.
  let ok = false
  for (const c of candidates) if (proof.matches(c)) ok = true
  return ok ? undefined : 'wrong_password'
}

/**
 * Passwords a NAS sends with MAC authentication. The MAC is the identity and
 * the NAS's shared secret the real proof, so every vendor default is taken:
 * MikroTik sends an empty password unless mac-auth-password is set,
 * CoovaChilli sends its `macpasswd` ("password" unless configured), and many
 * controllers repeat the User-Name.
 */
export function macAuthPasswords(username: string): string[] {
  return ['', username, 'password']
}

/** A voucher code as typed at a NAS's own login page: forgiving of case and dashes, as the portal is. */
export function voucherPasswords(username: string): string[] {
  const code = normalizeVoucherCode(username)
  return code === username ? [code] : [username, code]
}

export interface VoucherState {
  id: number
  code: string
  siteId: number | null
  minutes: number | null
  usedSeconds: number
  maxDevices: number
  validUntil: Date | null
  revokedAt: Date | null
  /** Canonical MACs of the devices that have used it. */
  devices: string[]
}

export function checkVoucher(v: VoucherState, siteId: number, now: Date): RejectReason | undefined {
  if (v.revokedAt) return 'revoked'
  if (v.validUntil && v.validUntil <= now) return 'expired'
  // A voucher issued for a site is good at that site only; one without a site anywhere.
  if (v.siteId !== null && v.siteId !== siteId) return 'unknown_user'
  if (v.minutes !== null && v.usedSeconds >= v.minutes * 60) return 'quota_used'
  return undefined
}

/**
 * Vouchers and MAC authentication need the NAS's Calling-Station-Id: without
 * it a voucher would be used by a device it never counts (no device place
 * taken), and MAC authentication would believe any MAC put in User-Name.
 */
export function checkDeviceSent(mac: string | undefined): RejectReason | undefined {
  return mac ? undefined : 'wrong_device'
}

/** A new device may join a voucher while it has device places left; a known one always may (roaming). */
export function checkVoucherDevice(v: VoucherState, mac: string | undefined): RejectReason | undefined {
  if (mac && v.devices.includes(mac)) return undefined
  if (v.devices.length >= v.maxDevices) return 'device_limit'
  return undefined
}

export interface CredentialState {
  id: number
  username: string
  password: string
  deviceMac: string
  deviceId: number
  nasId: number | null
  siteId: number
  method: 'click_through' | 'otp' | 'voucher' | 'mac'
  voucherId: number | null
  expiresAt: Date
  usedAt: Date | null
}

export function checkCredential(c: CredentialState, req: { mac: string | undefined; nasId: number; siteId: number; now: Date }): RejectReason | undefined {
  if (c.expiresAt <= req.now) return 'expired'
  if (c.usedAt && req.now.getTime() - c.usedAt.getTime() > CREDENTIAL_REUSE_SECONDS * 1000) return 'expired'
  if (c.siteId !== req.siteId || (c.nasId !== null && c.nasId !== req.nasId)) return 'unknown_user'
  // Bound to the device that accepted the terms; a NAS that sends no MAC cannot use it.
  if (req.mac !== c.deviceMac) return 'wrong_device'
  return undefined
}

export function checkConsent(consentUntil: Date | null, now: Date): RejectReason | undefined {
  return consentUntil && consentUntil > now ? undefined : 'no_consent'
}

/**
 * At most `simultaneousUse` devices online at once with one voucher. The
 * device asking does not count against itself: a phone that roams to another
 * access point while its old session has not been stopped yet gets back in.
 */
export function checkSimultaneousUse(openDevices: string[], mac: string | undefined, policy: EffectivePolicy): RejectReason | undefined {
  let others = 0
  for (const d of openDevices) if (d === '' || d !== mac) others++
  return others >= policy.simultaneousUse ? 'simultaneous_use' : undefined
}

export interface Remaining {
  seconds: number
  octets: bigint | null
}

// Pairwise, without an array per limit: this runs for every Access-Request.
const minOf = (a: number, b: number | null) => (b === null || a <= b ? a : b)
const minBig = (a: bigint | null, b: bigint | null) => (a === null ? b : b === null || a <= b ? a : b)

/** What is left of every limit that applies: the smallest wins. */
export function remaining(policy: EffectivePolicy, usage: Usage, voucher?: Pick<VoucherState, 'minutes' | 'usedSeconds'> | null): Remaining {
  let seconds = minOf(policy.sessionSeconds, policy.dailySeconds === null ? null : policy.dailySeconds - usage.daySeconds)
  seconds = minOf(seconds, policy.monthlySeconds === null ? null : policy.monthlySeconds - usage.monthSeconds)
  seconds = minOf(seconds, voucher?.minutes == null ? null : voucher.minutes * 60 - voucher.usedSeconds)
  let octets = minBig(policy.sessionBytes, policy.dailyBytes === null ? null : policy.dailyBytes - usage.dayOctets)
  octets = minBig(octets, policy.monthlyBytes === null ? null : policy.monthlyBytes - usage.monthOctets)
  return { seconds, octets }
}

export function checkQuota(left: Remaining): RejectReason | undefined {
  if (left.seconds <= 0) return 'quota_used'
  if (left.octets !== null && left.octets <= 0n) return 'quota_used'
  return undefined
}

export function buildGrant(policy: EffectivePolicy, left: Remaining): Grant {
  return {
    sessionTimeout: Math.max(1, Math.floor(left.seconds)),
    idleTimeout: policy.idleSeconds,
    interimInterval: policy.interimSeconds,
    downKbps: policy.downKbps,
    upKbps: policy.upKbps,
    totalOctets: left.octets,
  }
}
