// Authorization as a list of steps (steps.ts), run against cached data:
// find the credential → check it → check the device and consent → apply the
// site's policy → check simultaneous use and quotas → build the grant.
import { isDatabaseUnavailable } from '../db/availability.js'
import type { AuthCache } from './cache.js'
import type { EffectivePolicy } from './policy.js'
import type { ClaimResult, DeviceSnapshot, VoucherSnapshot } from './store.js'
import {
  buildGrant,
  checkConsent,
  checkCredential,
  checkDeviceSent,
  checkPassword,
  checkQuota,
  checkSimultaneousUse,
  checkVoucher,
  checkVoucherDevice,
  classifyUser,
  macAuthPasswords,
  remaining,
  voucherPasswords,
} from './steps.js'
import { NO_USAGE, type AuthRequest, type Decision, type RejectReason } from './types.js'

// The cache answers what it knows without a Promise; only a miss is awaited,
// so that a known voucher is decided without a trip through the microtask queue.
type Maybe<T> = T | Promise<T>
const isPromise = <T>(v: Maybe<T>): v is Promise<T> => v instanceof Promise

export function authorize(req: AuthRequest, data: AuthCache): Maybe<Decision> {
  const user = classifyUser(req.username)
  switch (user.kind) {
    case 'unknown':
      return { accept: false, reason: 'unknown_user', siteId: req.nas.siteId }
    case 'voucher':
      return authorizeVoucher(req, data, user.code)
    case 'credential':
      return authorizeCredential(req, data, user.username)
    case 'mac':
      return authorizeMac(req, data, user.mac)
  }
}

const reject = (reason: RejectReason, siteId: number): Decision => ({ accept: false, reason, siteId })

/** `then` for a value that may or may not be a Promise, keeping it synchronous when it is not. */
function next<T, R>(v: Maybe<T>, f: (value: T) => Maybe<R>): Maybe<R> {
  return isPromise(v) ? v.then(f) : f(v)
}

function authorizeVoucher(req: AuthRequest, data: AuthCache, code: string): Maybe<Decision> {
  const now = req.now.getTime()
  // Most logins: a voucher read a moment ago, decided on the one look-up.
  const fresh = data.freshVoucher(code, now)
  if (fresh !== undefined) return decideKnownVoucher(req, data, fresh)
  const siteId = req.nas.siteId
  const mac = req.mac
  // A voucher this process does not know yet (most first logins): one
  // statement per batch reads it, checks it and takes the device's place.
  if (mac && !data.knowsVoucher(code, now)) {
    const why = checkPassword(req.proof, voucherPasswords(req.username))
    if (why) return reject(why, siteId)
    return next(data.policyForSite(siteId), (policy) =>
      data.claimVoucher({ code, mac, siteId, policy, now: req.now }).then(
        (read) => claimed(read, req, policy),
        // The database is away: what this process last knew may still decide (cache.ts).
        (err: unknown) => {
          if (!isDatabaseUnavailable(err)) throw err
          return authorizeKnownVoucher(req, data, code)
        },
      ),
    )
  }
  return authorizeKnownVoucher(req, data, code)
}

/** The decision on a claim's rows: steps.ts as for a known voucher; a new device gets in only if the statement took its place. */
function claimed(read: ClaimResult | null, req: AuthRequest, policy: EffectivePolicy): Decision {
  const siteId = req.nas.siteId
  if (!read) return reject('unknown_user', siteId)
  const v = read.voucher
  const why = checkVoucher(v, siteId, req.now) ?? checkVoucherDevice(v, req.mac) ?? checkSimultaneousUse(v.openDevices, req.mac, policy)
  if (why) return reject(why, siteId)
  const left = remaining(policy, read.device.usage, v)
  const quota = checkQuota(left)
  if (quota) return reject(quota, siteId)
  // Another copy took the last place between the read and the insert.
  if (!v.devices.includes(req.mac!) && !read.bound) return reject('device_limit', siteId)
  return { accept: true, grant: buildGrant(policy, left), method: 'voucher', siteId, deviceId: read.device.deviceId, voucherId: v.id, credentialId: null }
}

function authorizeKnownVoucher(req: AuthRequest, data: AuthCache, code: string): Maybe<Decision> {
  return next(data.voucher(code, req.now.getTime(), req.mac), (v) => decideKnownVoucher(req, data, v))
}

// The steps below continue synchronously on what the cache holds, and make a
// closure only for what must be waited for.

function decideKnownVoucher(req: AuthRequest, data: AuthCache, v: VoucherSnapshot | null): Maybe<Decision> {
  const siteId = req.nas.siteId
  if (!v) return reject('unknown_user', siteId)
  const why = checkPassword(req.proof, voucherPasswords(req.username)) ?? checkDeviceSent(req.mac) ?? checkVoucher(v, siteId, req.now) ?? checkVoucherDevice(v, req.mac)
  if (why) return reject(why, siteId)
  const policy = data.policyForSite(siteId)
  return isPromise(policy) ? policy.then((p) => voucherWithPolicy(req, data, v, p)) : voucherWithPolicy(req, data, v, policy)
}

function voucherWithPolicy(req: AuthRequest, data: AuthCache, v: VoucherSnapshot, policy: EffectivePolicy): Maybe<Decision> {
  const simultaneous = checkSimultaneousUse(v.openDevices, req.mac, policy)
  if (simultaneous) return reject(simultaneous, req.nas.siteId)
  const device = req.mac ? data.device(req.mac, req.now) : undefined
  return isPromise(device) ? device.then((d) => voucherWithDevice(req, data, v, policy, d)) : voucherWithDevice(req, data, v, policy, device)
}

function voucherWithDevice(req: AuthRequest, data: AuthCache, v: VoucherSnapshot, policy: EffectivePolicy, device: DeviceSnapshot | undefined): Maybe<Decision> {
  const siteId = req.nas.siteId
  const left = remaining(policy, device?.usage ?? NO_USAGE, v)
  const quota = checkQuota(left)
  if (quota) return reject(quota, siteId)
  const grant = buildGrant(policy, left)
  if (!req.mac || v.devices.includes(req.mac)) {
    return { accept: true, grant, method: 'voucher', siteId, deviceId: device?.deviceId ?? null, voucherId: v.id, credentialId: null }
  }
  // A device new to this voucher takes one of its places (a database write).
  const mac = req.mac
  return data.bindVoucherDevice(v, mac).then((bound): Decision => {
    if (!bound.bound) return reject('device_limit', siteId)
    data.forgetDevice(mac)
    return { accept: true, grant, method: 'voucher', siteId, deviceId: bound.deviceId, voucherId: v.id, credentialId: null }
  })
}

async function authorizeCredential(req: AuthRequest, data: AuthCache, username: string): Promise<Decision> {
  const siteId = req.nas.siteId
  // The credential and its device's usage come in one read.
  const read = await data.credential(username, req.now)
  if (!read) return reject('unknown_user', siteId)
  const c = read.credential
  const why = checkPassword(req.proof, [c.password]) ?? checkCredential(c, { mac: req.mac, nasId: req.nas.id, siteId, now: req.now })
  if (why) return reject(why, siteId)
  const policy = await data.policyForSite(siteId)
  // Bound to one device: a device is in one place at a time, so its own
  // older session (left open by the access point it roamed from) does not block it.
  const left = remaining(policy, read.device.usage)
  const quota = checkQuota(left)
  if (quota) return reject(quota, siteId)
  // Durable before the Accept: a credential is good for one login (and its
  // repeats within CREDENTIAL_REUSE_SECONDS), on every copy, after a crash too.
  if (!c.usedAt) await data.markCredentialUsed(c.id, req.now)
  return { accept: true, grant: buildGrant(policy, left), method: c.method, siteId, deviceId: c.deviceId, voucherId: c.voucherId, credentialId: c.id }
}

async function authorizeMac(req: AuthRequest, data: AuthCache, mac: string): Promise<Decision> {
  const siteId = req.nas.siteId
  const why = checkPassword(req.proof, macAuthPasswords(req.username))
  if (why) return reject(why, siteId)
  // The MAC in User-Name must be the one the NAS saw (Calling-Station-Id), which must be sent.
  const sent = checkDeviceSent(req.mac)
  if (sent) return reject(sent, siteId)
  if (req.mac !== mac) return reject('wrong_device', siteId)
  let device = await data.device(mac, req.now)
  // The person may have accepted the terms a moment ago: look again before refusing.
  if (checkConsent(device.consentUntil.get(siteId) ?? null, req.now)) device = await data.device(mac, req.now, true)
  const consent = checkConsent(device.consentUntil.get(siteId) ?? null, req.now)
  if (consent) return reject(consent, siteId)
  const policy = await data.policyForSite(siteId)
  const left = remaining(policy, device.usage)
  const quota = checkQuota(left)
  if (quota) return reject(quota, siteId)
  return { accept: true, grant: buildGrant(policy, left), method: 'mac', siteId, deviceId: device.deviceId, voucherId: null, credentialId: null }
}
