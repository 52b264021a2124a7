// Each authorization step alone: the pairs of what goes in and what comes out.
import t from 'tap'
import { localDay, localMonthStart, secondsToLocalMidnight } from '../../core/auth/periods.js'
import { DEFAULT_POLICY, effectivePolicy } from '../../core/auth/policy.js'
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
  type CredentialState,
  type VoucherState,
} from '../../core/auth/steps.js'
import { NO_USAGE } from '../../core/auth/types.js'

const proof = (password: string) => ({ matches: (c: string) => c === password })
const now = new Date('2026-11-27T10:00:00Z')

t.test('classifyUser: credential, MAC in any spelling, voucher, unknown', async (t) => {
  t.same(classifyUser('cw-abc123'), { kind: 'credential', username: 'cw-abc123' })
  t.same(classifyUser('aa:bb:cc:dd:ee:ff'), { kind: 'mac', mac: 'AA-BB-CC-DD-EE-FF' })
  t.same(classifyUser('AABBCCDDEEFF'), { kind: 'mac', mac: 'AA-BB-CC-DD-EE-FF' })
  t.same(classifyUser('k7pxz-mq9rt'), { kind: 'voucher', code: 'K7PXZMQ9RT' })
  t.same(classifyUser('alice'), { kind: 'unknown' })
})

t.test('checkPassword tries every candidate', async (t) => {
  t.equal(checkPassword(proof('b'), ['a', 'b']), undefined)
  t.equal(checkPassword(proof('c'), ['a', 'b']), 'wrong_password')
  t.same(macAuthPasswords('aa:bb:cc:dd:ee:ff'), ['', 'aa:bb:cc:dd:ee:ff', 'password'], 'MikroTik empty, the MAC itself, CoovaChilli default')
  t.same(voucherPasswords('k7pxz-mq9rt'), ['k7pxz-mq9rt', 'K7PXZMQ9RT'])
})

const voucher = (v: Partial<VoucherState> = {}): VoucherState => ({
  id: 1,
  code: 'K7PXZMQ9RT',
  siteId: 1,
  minutes: null,
  usedSeconds: 0,
  maxDevices: 1,
  validUntil: new Date('2026-12-01T00:00:00Z'),
  revokedAt: null,
  devices: [],
  ...v,
})

t.test('checkVoucher: revoked, expired, other site, time used', async (t) => {
  t.equal(checkVoucher(voucher(), 1, now), undefined)
  t.equal(checkVoucher(voucher({ revokedAt: now }), 1, now), 'revoked')
  t.equal(checkVoucher(voucher({ validUntil: new Date('2026-11-27T09:59:59Z') }), 1, now), 'expired')
  t.equal(checkVoucher(voucher(), 2, now), 'unknown_user', 'issued for another site')
  t.equal(checkVoucher(voucher({ siteId: null }), 2, now), undefined, 'a city-wide voucher')
  t.equal(checkVoucher(voucher({ minutes: 60, usedSeconds: 3600 }), 1, now), 'quota_used')
})

t.test('checkVoucherDevice: known device always, a new one while places are left', async (t) => {
  t.equal(checkVoucherDevice(voucher({ devices: ['A'] }), 'A'), undefined, 'roaming')
  t.equal(checkVoucherDevice(voucher({ devices: ['A'] }), 'B'), 'device_limit')
  t.equal(checkVoucherDevice(voucher({ devices: ['A'], maxDevices: 2 }), 'B'), undefined)
})

t.test('checkSimultaneousUse does not count the asking device', async (t) => {
  const p = { ...DEFAULT_POLICY, simultaneousUse: 1 }
  t.equal(checkSimultaneousUse([], 'A', p), undefined)
  t.equal(checkSimultaneousUse(['A'], 'A', p), undefined, 'its own old session')
  t.equal(checkSimultaneousUse(['B'], 'A', p), 'simultaneous_use')
  t.equal(checkSimultaneousUse(['B'], 'A', { ...p, simultaneousUse: 2 }), undefined)
  t.equal(checkSimultaneousUse([''], 'A', p), 'simultaneous_use', 'a session without a device counts')
})

t.test('checkCredential: expiry, one-time use, NAS and device binding', async (t) => {
  const c: CredentialState = {
    id: 1,
    username: 'cw-x',
    password: 'p',
    deviceMac: 'AA-AA-AA-AA-AA-AA',
    deviceId: 1,
    nasId: 5,
    siteId: 1,
    method: 'click_through',
    voucherId: null,
    expiresAt: new Date(now.getTime() + 60_000),
    usedAt: null,
  }
  const req = { mac: 'AA-AA-AA-AA-AA-AA', nasId: 5, siteId: 1, now }
  t.equal(checkCredential(c, req), undefined)
  t.equal(checkCredential({ ...c, expiresAt: now }, req), 'expired')
  t.equal(checkCredential({ ...c, usedAt: new Date(now.getTime() - 30_000) }, req), undefined, 'a second try within a minute (double tap)')
  t.equal(checkCredential({ ...c, usedAt: new Date(now.getTime() - 120_000) }, req), 'expired', 'used')
  t.equal(checkCredential(c, { ...req, mac: 'BB-BB-BB-BB-BB-BB' }), 'wrong_device')
  t.equal(checkCredential(c, { ...req, mac: undefined }), 'wrong_device')
  t.equal(checkCredential(c, { ...req, nasId: 6 }), 'unknown_user')
})

t.test('checkConsent', async (t) => {
  t.equal(checkConsent(new Date(now.getTime() + 1), now), undefined)
  t.equal(checkConsent(now, now), 'no_consent')
  t.equal(checkConsent(null, now), 'no_consent')
})

t.test('remaining: the smallest limit wins; the grant never exceeds it', async (t) => {
  const p = effectivePolicy({
    id: 1,
    name: 'p',
    sessionMinutes: 60,
    idleMinutes: 5,
    interimSeconds: 300,
    downKbps: 2000,
    upKbps: 1000,
    sessionMegabytes: 500,
    dailyMinutes: 90,
    dailyMegabytes: 1000,
    monthlyMinutes: null,
    monthlyMegabytes: null,
    simultaneousUse: 1,
    consentDays: 30,
    createdAt: now,
    updatedAt: now,
  })
  t.same(remaining(p, NO_USAGE), { seconds: 3600, octets: 500_000_000n }, 'the session limits')
  const used = { daySeconds: 80 * 60, dayOctets: 900_000_000n, monthSeconds: 0, monthOctets: 0n }
  t.same(remaining(p, used), { seconds: 600, octets: 100_000_000n }, 'what is left today')
  t.same(remaining(p, NO_USAGE, { minutes: 20, usedSeconds: 600 }), { seconds: 600, octets: 500_000_000n }, 'what is left of the voucher')
  t.equal(checkQuota(remaining(p, { ...used, daySeconds: 90 * 60 })), 'quota_used')
  t.equal(checkQuota(remaining(p, { ...used, dayOctets: 1_000_000_000n })), 'quota_used')
  const g = buildGrant(p, remaining(p, used))
  t.same(g, { sessionTimeout: 600, idleTimeout: 300, interimInterval: 300, downKbps: 2000, upKbps: 1000, totalOctets: 100_000_000n })
})

t.test('local days and months in Asia/Ho_Chi_Minh (UTC+7)', async (t) => {
  const late = new Date('2026-11-30T18:30:00Z') // 01:30 on 1 December in Hanoi
  t.equal(localDay(late, 'Asia/Ho_Chi_Minh').toISOString(), '2026-12-01T00:00:00.000Z')
  t.equal(localMonthStart(late, 'Asia/Ho_Chi_Minh').toISOString(), '2026-12-01T00:00:00.000Z')
  t.equal(localDay(late, 'UTC').toISOString(), '2026-11-30T00:00:00.000Z')
  t.equal(secondsToLocalMidnight(new Date('2026-11-27T16:00:00Z'), 'Asia/Ho_Chi_Minh'), 3600, '23:00 local')
  // The offset is worked out once per quarter hour: right across a DST change and in half-hour zones too.
  t.equal(localDay(new Date('2026-03-28T23:30:00Z'), 'Europe/Berlin').toISOString(), '2026-03-29T00:00:00.000Z', '00:30 CET')
  t.equal(localDay(new Date('2026-03-29T21:59:00Z'), 'Europe/Berlin').toISOString(), '2026-03-29T00:00:00.000Z', '23:59 CEST')
  t.equal(localDay(new Date('2026-03-29T22:00:00Z'), 'Europe/Berlin').toISOString(), '2026-03-30T00:00:00.000Z', 'midnight CEST')
  t.equal(localDay(new Date('2026-06-01T02:29:00Z'), 'America/St_Johns').toISOString(), '2026-05-31T00:00:00.000Z', 'UTC-2:30')
  t.equal(localDay(new Date('2026-06-01T02:30:00Z'), 'America/St_Johns').toISOString(), '2026-06-01T00:00:00.000Z')
})

t.test('the last offset remembered is for its zone and quarter hour only', async (t) => {
  // Calls alternate between zones in one quarter hour and between quarter hours in one zone.
  const at = new Date('2026-11-30T16:50:00Z') // 23:50 in Hanoi
  const next = new Date('2026-11-30T17:00:00Z') // midnight in Hanoi
  for (let round = 0; round < 2; round++) {
    t.equal(localDay(at, 'Asia/Ho_Chi_Minh').toISOString(), '2026-11-30T00:00:00.000Z')
    t.equal(localDay(at, 'America/St_Johns').toISOString(), '2026-11-30T00:00:00.000Z')
    t.equal(localDay(at, 'Pacific/Kiritimati').toISOString(), '2026-12-01T00:00:00.000Z', 'UTC+14')
    t.equal(localDay(next, 'Asia/Ho_Chi_Minh').toISOString(), '2026-12-01T00:00:00.000Z')
    t.equal(localDay(at, 'Asia/Ho_Chi_Minh').toISOString(), '2026-11-30T00:00:00.000Z')
  }
})
