// SMS pumping: the send limits are counted atomically in the database, so a
// burst of parallel posts cannot send more codes than a limit allows, an
// IPv6 client cannot dodge its address's budget by changing the host half of
// its address, and the installation-wide hourly cap holds and is counted in
// /metrics. Over HTTP to a listening portal, on both databases.
import t, { type Test } from 'tap'
import type { OtpLimits } from '../../core/services/otp.js'
import { FakeCoovaChilli } from '../fakes/coovachilli.js'
import { dbKinds } from '../helpers/databases.js'
import { UAM_SECRET, formFields, postForm, startPortalFor, type PortalSetup } from './setup.js'

const NO_RADIUS = { host: '127.0.0.1', port: 9, secret: 'unused-secret-000' }
// Everything generous but the limit a test is about.
const WIDE: Required<OtpLimits> = { phonePer15Min: 100, phonePerDay: 100, macPerHour: 100, ipPer15Min: 100, sitePerHour: 100, nasPerHour: 100, installationPerHour: 100 }

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
}
