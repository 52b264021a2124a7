// Authorization as a list of steps (steps.ts), run against cached data:
// find the credential → check it → check the device and consent → apply the
// site's policy → check simultaneous use and quotas → build the grant.
import type { AuthCache } from './cache.js'
import {
  buildGrant,
  checkConsent,
  checkCredential,
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

export async function authorize(req: AuthRequest, data: AuthCache): Promise<Decision> {
  const siteId = req.nas.siteId
  const reject = (reason: RejectReason): Decision => ({ accept: false, reason, siteId })
  const user = classifyUser(req.username)

  switch (user.kind) {
    case 'unknown':
      return reject('unknown_user')

    case 'voucher': {
      const v = await data.voucher(user.code, req.now.getTime())
      if (!v) return reject('unknown_user')
      const why = checkPassword(req.proof, voucherPasswords(req.username)) ?? checkVoucher(v, siteId, req.now) ?? checkVoucherDevice(v, req.mac)
      if (why) return reject(why)
      const policy = await data.policyForSite(siteId)
      const simultaneous = checkSimultaneousUse(v.openDevices, req.mac, policy)
      if (simultaneous) return reject(simultaneous)
      const device = req.mac ? await data.device(req.mac, req.now) : undefined
      const left = remaining(policy, device?.usage ?? NO_USAGE, v)
      const quota = checkQuota(left)
      if (quota) return reject(quota)
      let deviceId = device?.deviceId ?? null
      if (req.mac && !v.devices.includes(req.mac)) {
        const bound = await data.bindVoucherDevice(v, req.mac)
        if (!bound.bound) return reject('device_limit')
        deviceId = bound.deviceId
        data.forgetDevice(req.mac)
      }
      return { accept: true, grant: buildGrant(policy, left), method: 'voucher', siteId, deviceId, voucherId: v.id, credentialId: null }
    }

    case 'credential': {
      const c = await data.credential(user.username)
      if (!c) return reject('unknown_user')
      const why = checkPassword(req.proof, [c.password]) ?? checkCredential(c, { mac: req.mac, nasId: req.nas.id, siteId, now: req.now })
      if (why) return reject(why)
      const policy = await data.policyForSite(siteId)
      // Bound to one device: a device is in one place at a time, so its own
      // older session (left open by the access point it roamed from) does not block it.
      const device = await data.device(c.deviceMac, req.now)
      const left = remaining(policy, device.usage)
      const quota = checkQuota(left)
      if (quota) return reject(quota)
      if (!c.usedAt) await data.store.markCredentialUsed(c.id, req.now)
      return { accept: true, grant: buildGrant(policy, left), method: c.method, siteId, deviceId: c.deviceId, voucherId: c.voucherId, credentialId: c.id }
    }

    case 'mac': {
      const why = checkPassword(req.proof, macAuthPasswords(req.username))
      if (why) return reject(why)
      // The MAC in User-Name and the one in Calling-Station-Id must agree when both are sent.
      if (req.mac && req.mac !== user.mac) return reject('wrong_device')
      let device = await data.device(user.mac, req.now)
      // The person may have accepted the terms a moment ago: look again before refusing.
      if (checkConsent(device.consentUntil, req.now)) device = await data.device(user.mac, req.now, true)
      const consent = checkConsent(device.consentUntil, req.now)
      if (consent) return reject(consent)
      const policy = await data.policyForSite(siteId)
      const left = remaining(policy, device.usage)
      const quota = checkQuota(left)
      if (quota) return reject(quota)
      return { accept: true, grant: buildGrant(policy, left), method: 'mac', siteId, deviceId: device.deviceId, voucherId: null, credentialId: null }
    }
  }
}
