// Authorization decisions end to end over UDP: vouchers and their devices,
// simultaneous use, quotas, MAC authentication with consent, one-time
// portal credentials, and changes reaching the cache.
import t from 'tap'
import { issueCredential } from '../../core/services/credentials.js'
import { recordChange } from '../../core/services/changes.js'
import { deviceForMac } from '../../core/services/devices.js'
import { currentTerms } from '../../core/services/terms.js'
import { Code, attr, getAttr } from '../../radius/codec/index.js'
import { dbKinds } from '../helpers/databases.js'
import { radiusFixture, type RadiusFixture } from './setup.js'

const A = 'AA-AA-AA-00-00-01'
const B = 'BB-BB-BB-00-00-02'

async function login(f: RadiusFixture, user: string, mac: string | undefined, password = user) {
  const attrs = [attr('User-Name', user)]
  if (mac) attrs.push(attr('Calling-Station-Id', mac))
  const r = await f.client.request(Code.AccessRequest, f.ports.auth, attrs, { password })
  return { code: r?.packet.code, timeout: r ? getAttr(r.packet, 'Session-Timeout') : undefined, message: r ? getAttr(r.packet, 'Reply-Message') : undefined }
}

async function account(f: RadiusFixture, status: string, sid: string, user: string, mac: string, seconds = 0, octets = 0) {
  const r = await f.client.request(
    Code.AccountingRequest,
    f.ports.acct,
    [
      attr('Acct-Status-Type', status),
      attr('Acct-Session-Id', sid),
      attr('User-Name', user),
      attr('Calling-Station-Id', mac),
      attr('Acct-Session-Time', seconds),
      attr('Acct-Output-Octets', octets),
    ],
    { messageAuthenticator: false },
  )
  if (r?.packet.code !== Code.AccountingResponse) throw new Error(`accounting ${status} not acknowledged`)
}

for (const kind of dbKinds()) {
  t.test(`vouchers on ${kind}: devices, roaming, simultaneous use`, async (t) => {
    const f = await radiusFixture(t, kind, { voucherDevices: 2, policy: { simultaneousUse: 1 } })
    const [two, one] = f.vouchers as [string, string]
    t.equal((await login(f, two, A)).code, Code.AccessAccept, 'device A')
    await account(f, 'Start', 's-a', two, A)
    const b = await login(f, two, B)
    t.equal(b.code, Code.AccessReject, 'device B while A is online')
    t.equal(b.message, 'Mã đang được dùng trên thiết bị khác')
    // The refusal came from the statement that would have taken B's place (the Start made the voucher be read again).
    t.equal(await f.ctx.db.prisma.voucherDevice.count(), 1, 'a refused device takes no place')
    t.equal((await login(f, two, A)).code, Code.AccessAccept, 'A again at another access point (its old session still open)')
    await account(f, 'Stop', 's-a', two, A, 60)
    t.equal((await login(f, two, B)).code, Code.AccessAccept, 'B once A has stopped')
    const third = await login(f, two, 'CC-CC-CC-00-00-03')
    t.equal(third.code, Code.AccessReject, 'a third device')
    t.equal(third.message, 'Mã đã được dùng trên đủ số thiết bị cho phép')
    const devices = await f.ctx.db.prisma.voucherDevice.count()
    t.equal(devices, 2, 'two devices bound to the voucher')

    await f.ctx.db.prisma.voucher.update({ where: { code: one }, data: { maxDevices: 1 } })
    t.equal((await login(f, one, A)).code, Code.AccessAccept)
    t.equal((await login(f, one, B)).code, Code.AccessReject, 'a one-device voucher refuses a second device')
  })

  t.test(`quotas on ${kind}: time left today caps Session-Timeout, then refuses`, async (t) => {
    const f = await radiusFixture(t, kind, { policy: { sessionMinutes: 30, dailyMinutes: 10 } })
    const code = f.vouchers[0]!
    const first = await login(f, code, A)
    t.equal(first.timeout, 600, 'the daily 10 minutes are less than the 30-minute session')
    await account(f, 'Start', 'q-1', code, A)
    await account(f, 'Interim-Update', 'q-1', code, A, 480)
    t.equal((await login(f, code, A)).timeout, 120, '2 minutes left today')
    await account(f, 'Stop', 'q-1', code, A, 600)
    const used = await login(f, code, A)
    t.equal(used.code, Code.AccessReject)
    t.equal(used.message, 'Đã hết thời gian hoặc dung lượng được phép')
  })

  t.test(`voucher time on ${kind}`, async (t) => {
    const f = await radiusFixture(t, kind, { voucherMinutes: 5 })
    const code = f.vouchers[0]!
    t.equal((await login(f, code, A)).timeout, 300, 'a 5-minute voucher')
    await account(f, 'Start', 'v-1', code, A)
    await account(f, 'Stop', 'v-1', code, A, 300)
    t.equal((await login(f, code, A)).code, Code.AccessReject, 'used up')
  })

  t.test(`changes reach the cache on ${kind}: a revoked voucher`, async (t) => {
    const f = await radiusFixture(t, kind)
    const code = f.vouchers[0]!
    t.equal((await login(f, code, A)).code, Code.AccessAccept, 'accepted (and now cached)')
    const prisma = f.ctx.db.prisma
    const v = await prisma.voucher.update({ where: { code }, data: { revokedAt: new Date() } })
    await recordChange(prisma, 'voucher', v.id)
    let result
    for (let i = 0; i < 30; i++) {
      await new Promise((r) => setTimeout(r, 200))
      result = await login(f, code, A)
      if (result.code === Code.AccessReject) break
    }
    t.equal(result?.code, Code.AccessReject, 'refused within seconds')
    t.equal(result?.message, 'Mã đã bị thu hồi')
  })

  t.test(`MAC authentication of a returning device on ${kind}`, async (t) => {
    const f = await radiusFixture(t, kind)
    const prisma = f.ctx.db.prisma
    const noConsent = await login(f, 'aa:aa:aa:00:00:01', A, '')
    t.equal(noConsent.code, Code.AccessReject, 'a device that never accepted the terms')
    t.equal(noConsent.message, 'Vui lòng mở trang đăng nhập và đồng ý điều khoản')
    const device = await deviceForMac(prisma, A)
    const terms = await currentTerms(prisma)
    await prisma.consent.create({ data: { deviceId: device.id, siteId: f.siteId, termsId: terms.id, method: 'click_through', expiresAt: new Date(Date.now() + 86_400_000) } })
    // The refusal above was cached; a consent given since must count at once.
    for (const [user, password, label] of [
      ['AA-AA-AA-00-00-01', '', 'MikroTik: MAC, empty password'],
      ['aaaaaa000001', 'password', 'CoovaChilli: macpasswd default'],
      ['aa:aa:aa:00:00:01', 'aa:aa:aa:00:00:01', 'the MAC as password'],
    ] as const) {
      t.equal((await login(f, user, A, password)).code, Code.AccessAccept, label)
    }
    t.equal((await login(f, 'AA-AA-AA-00-00-01', B, '')).code, Code.AccessReject, 'User-Name and Calling-Station-Id disagree')
    t.equal((await login(f, 'AA-AA-AA-00-00-01', A, 'guess')).code, Code.AccessReject, 'another password')
  })

  t.test(`one-time portal credentials on ${kind}`, async (t) => {
    const f = await radiusFixture(t, kind)
    const prisma = f.ctx.db.prisma
    const device = await deviceForMac(prisma, A)
    const cred = await issueCredential(prisma, f.ctx.secrets, { deviceId: device.id, siteId: f.siteId, nasId: f.nasId, method: 'click_through' })
    t.equal((await login(f, cred.username, B, cred.password)).code, Code.AccessReject, 'from another device')
    t.equal((await login(f, cred.username, A, 'wrong')).code, Code.AccessReject, 'wrong password')
    const ok = await login(f, cred.username, A, cred.password)
    t.equal(ok.code, Code.AccessAccept, 'from its device')
    t.equal(ok.timeout, 1800)
    t.equal((await login(f, cred.username, A, cred.password)).code, Code.AccessAccept, 'a double tap within a minute')
    await prisma.credential.update({ where: { id: cred.id }, data: { usedAt: new Date(Date.now() - 120_000) } })
    t.equal((await login(f, cred.username, A, cred.password)).code, Code.AccessReject, 'used: not again')
  })
}
