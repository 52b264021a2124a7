// SMS pumping: the send limits are counted atomically in the database, so a
// burst of parallel posts cannot send more codes than a limit allows, an
// IPv6 client cannot dodge its address's budget by changing the host half of
// its address, and the installation-wide hourly cap holds and is counted in
// /metrics. The per-address limit on typed codes is shared by every copy of
// the portal. Over HTTP to a listening portal, on both databases.
import t, { type Test } from 'tap'
import type { OtpLimits } from '../../core/services/otp.js'
import { FakeCoovaChilli } from '../fakes/coovachilli.js'
import { dbKinds } from '../helpers/databases.js'
import { startPortal } from '../../portal/service.js'
import { RecordingSms, UAM_SECRET, formFields, postForm, startPortalFor, type PortalSetup } from './setup.js'

const NO_RADIUS = { host: '127.0.0.1', port: 9, secret: 'unused-secret-000' }
// Everything generous but the limit a test is about.
const WIDE: Required<OtpLimits> = { phonePer15Min: 100, phonePerDay: 100, macPerHour: 100, ipPer15Min: 100, sitePerHour: 100, nasPerHour: 100, installationPerHour: 100, ipChecksPer15Min: 100 }

async function coova(t: Test, p: PortalSetup) {
  const chilli = await new FakeCoovaChilli({ portalUrl: `${p.url}/`, nasId: p.nas.name, uamSecret: UAM_SECRET, radius: NO_RADIUS, clientMac: 'aa:bb:cc:dd:ee:01' }).start()
  t.teardown(() => chilli.close())
  return chilli
}

async function otpForm(chilli: FakeCoovaChilli, headers: Record<string, string> = {}) {
  const res = await fetch(`${chilli.redirectUrl('notyet')}&full=1`, { redirect: 'manual', headers })
  return formFields(await res.text(), 'otp-form')
}

for (const kind of dbKinds()) {
  t.test(`${kind}: 30 parallel code requests for one number send at most the per-number limit`, async (t) => {
    const p = await startPortalFor(t, kind, { otpLimits: { ...WIDE, phonePer15Min: 3 } })
    const chilli = await coova(t, p)
    const forms = await Promise.all(Array.from({ length: 30 }, () => otpForm(chilli)))
    const answers = await Promise.all(forms.map((f) => postForm(`${p.url}/otp/send`, { ...f, phone: '0912345678' })))
    const statuses = answers.map((r) => r.status)
    t.equal(p.sms.sent.length, 3, 'three SMS reached the gateway, not thirty')
    t.equal(statuses.filter((s) => s === 303).length, 3)
    t.equal(statuses.filter((s) => s === 429).length, 27, 'the rest are refused')
    t.match(await p.ctx.metrics.metrics(), /citywifi_portal_otp_sms_refused_total\{limit="phone"\} 27/)
  })

  t.test(`${kind}: an IPv6 /64 shares one budget`, async (t) => {
    const p = await startPortalFor(t, kind, { otpLimits: { ...WIDE, ipPer15Min: 2 }, env: { TRUST_PROXY: '127.0.0.1' } })
    const chilli = await coova(t, p)
    const from = async (ip: string, phone: string) => {
      const headers = { 'x-forwarded-for': ip }
      return postForm(`${p.url}/otp/send`, { ...(await otpForm(chilli, headers)), phone }, headers)
    }
    t.equal((await from('2001:db8:1:2::a', '0912345678')).status, 303)
    t.equal((await from('2001:db8:1:2:ffff:1:2:3', '0987654321')).status, 303)
    const third = await from('2001:db8:1:2::c', '0911111111')
    t.equal(third.status, 429, 'another host of the same /64 is refused')
    t.match(await third.text(), /Vui lòng thử lại sau \d+ phút/)
    t.equal((await from('2001:db8:1:3::1', '0933333333')).status, 303, 'the next /64 has its own budget')
    t.equal(p.sms.sent.length, 3)
    t.match(await p.ctx.metrics.metrics(), /citywifi_portal_otp_sms_refused_total\{limit="ip"\} 1/)
  })

  t.test(`${kind}: the installation-wide hourly cap holds, counted in /metrics`, async (t) => {
    const p = await startPortalFor(t, kind, { otpLimits: { ...WIDE, installationPerHour: 2 } })
    const chilli = await coova(t, p)
    const send = async (phone: string) => postForm(`${p.url}/otp/send`, { ...(await otpForm(chilli)), phone })
    t.equal((await send('0912345678')).status, 303)
    t.equal((await send('0987654321')).status, 303)
    const capped = await Promise.all(['0911111111', '0933333333', '0901234567'].map(send))
    t.same(capped.map((r) => r.status), [429, 429, 429])
    t.equal(p.sms.sent.length, 2, 'no SMS past the cap')
    const metrics = await p.ctx.metrics.metrics()
    t.match(metrics, /citywifi_portal_otp_sms_refused_total\{limit="installation"\} 3/)
    t.notMatch(metrics, /citywifi_portal_otp_sms_refused_total\{limit="site"\}/, 'the cap that refused is the one named')
  })

  t.test(`${kind}: the per-address limit on typed codes is shared by two copies of the portal`, async (t) => {
    const limits = { ...WIDE, ipChecksPer15Min: 3 }
    const a = await startPortalFor(t, kind, { otpLimits: limits, env: { TRUST_PROXY: '127.0.0.1' } })
    // A second copy on the same database, with its own memory.
    const b = await startPortal(a.ctx, { sms: new RecordingSms(), otpLimits: limits })
    t.teardown(() => b.close())
    const bUrl = b.addresses[0]!
    const chilli = await coova(t, a)
    const pageFor = async (location: string, ip: string) => {
      const headers = { 'x-forwarded-for': ip }
      const page = await fetch(a.url + location, { headers })
      return { fields: formFields(await page.text(), 'code-form'), headers }
    }
    const codeForm = async (ip: string) => {
      const headers = { 'x-forwarded-for': ip }
      const sent = await postForm(`${a.url}/otp/send`, { ...(await otpForm(chilli, headers)), phone: '0912345678' }, headers)
      t.equal(sent.status, 303, 'a code sent')
      return { ...(await pageFor(sent.headers.get('location')!, ip)), code: a.sms.lastCode()!, location: sent.headers.get('location')! }
    }
    const guesser = await codeForm('2001:db8:7:7::1')
    const wrong = guesser.code === '000000' ? '111111' : '000000'
    const statuses: number[] = []
    for (const url of [a.url, bUrl, a.url, bUrl]) statuses.push((await postForm(`${url}/otp/verify`, { ...guesser.fields, code: wrong }, guesser.headers)).status)
    t.same(statuses, [400, 400, 400, 429], 'three checks from one address across both copies, the fourth refused')
    const neighbour = await pageFor(guesser.location, '2001:db8:7:7::2')
    const right = await postForm(`${bUrl}/otp/verify`, { ...neighbour.fields, code: guesser.code }, neighbour.headers)
    t.equal(right.status, 429, 'another host of the /64 is refused too, even with the right code')
    t.match(await right.text(), /Vui lòng thử lại sau \d+ phút/)
    t.equal((await a.ctx.db.prisma.otpChallenge.findFirstOrThrow({ orderBy: { id: 'desc' } })).attempts, 3, 'a refused check is not a try')

    const other = await codeForm('198.51.100.9')
    const ok = await postForm(`${bUrl}/otp/verify`, { ...other.fields, code: other.code }, other.headers)
    t.equal(ok.status, 303, 'another address checks its code')
  })
}
