// Issue #10 items 1, 2 and 7, as an attacker on the Internet would try them:
// forged NAS redirects over HTTP to a listening portal. Each refused
// redirect must get no signed context (no form, no `c`), hence no consent,
// no SMS and no status. Both databases.
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { InputError } from '../../core/errors.js'
import { addNas } from '../../core/services/nas.js'
import { createVouchers } from '../../core/services/vouchers.js'
import { FakeCoovaChilli } from '../fakes/coovachilli.js'
import { FakeMikrotik } from '../fakes/mikrotik.js'
import { FakeOpenNds, encryptFasLikeOpenNds, openNdsIv } from '../fakes/opennds.js'
import { dbKinds } from '../helpers/databases.js'
import { buildPortal } from '../../portal/app.js'
import { testContext } from '../helpers/app.js'
import { NAS_SECRET, RecordingSms, formFields, postForm, seedSite, startPortalFor, type PortalSetup } from './setup.js'

const NO_RADIUS = { host: '127.0.0.1', port: 9, secret: 'unused-secret-000' }
const VICTIM = 'aa:bb:cc:dd:ee:99'
const FAS_KEY = 'fas-key-of-quan5-nds-2026'

async function get(url: string) {
  const res = await fetch(url, { redirect: 'manual' })
  return { status: res.status, html: await res.text() }
}

/** A page that carries a signed context: a form with `c`, or a link with ?c=. */
const hasContext = (html: string) => /name="c"|[?&]c=/.test(html.replace(/&amp;/g, '&'))

async function anotherNas(p: PortalSetup, vendor: string, name: string, address: string, extra: Record<string, unknown> = {}) {
  return addNas(p.ctx.db.prisma, p.ctx.secrets, { site: p.site.name, name, address, secret: NAS_SECRET, vendor, ...extra }, 'test')
}

const level1Fas = (fields: string[]) => Buffer.from(fields.join(', ')).toString('base64')

for (const kind of dbKinds()) {
  t.test(`${kind}: item 1 — the adapter comes from the registered NAS's vendor`, async (t) => {
    const p = await startPortalFor(t, kind) // a CoovaChilli NAS with a UAM secret
    await anotherNas(p, 'mikrotik', 'quan3-hotspot', '10.9.9.3')
    await anotherNas(p, 'generic', 'radius-only', '10.9.9.4')
    // The request: MikroTik parameters naming the CoovaChilli NAS, no checksum.
    const forged = await get(`${p.url}/?link-login-only=http://127.0.0.1/&mac=${VICTIM}&identity=${p.nas.name}`)
    t.equal(forged.status, 400, 'a MikroTik-format query for a CoovaChilli NAS')
    t.notOk(hasContext(forged.html), 'no signed context')

    // openNDS level-1 parameters naming the CoovaChilli NAS.
    const fas = level1Fas([`clientip=10.0.0.7`, `clientmac=${VICTIM}`, `gatewayname=${p.nas.name}`, `hid=${'ab'.repeat(32)}`, 'gatewayaddress=127.0.0.1:2050', 'authdir=opennds_auth'])
    const nds = await get(`${p.url}/?fas=${fas}`)
    t.equal(nds.status, 400, 'an openNDS-format query for a CoovaChilli NAS')
    t.notOk(hasContext(nds.html))

    // CoovaChilli parameters (no md) naming a MikroTik NAS, which has no UAM secret.
    const coova = await get(`${p.url}/?res=notyet&uamip=127.0.0.1&uamport=3990&challenge=${'0'.repeat(32)}&mac=${VICTIM}&nasid=quan3-hotspot`)
    t.equal(coova.status, 400, 'a CoovaChilli-format query for a MikroTik NAS')
    t.notOk(hasContext(coova.html))

    // A NAS registered for RADIUS only has no portal.
    const generic = await get(`${p.url}/?link-login-only=http://10.9.9.4/login&mac=${VICTIM}&identity=radius-only`)
    t.equal(generic.status, 400, 'a query naming a generic NAS')
    t.equal(await p.ctx.db.prisma.device.count(), 0, 'no device row from any of them')
  })

  t.test(`${kind}: item 7 — the portal sends browsers only to the NAS's own addresses`, async (t) => {
    const p = await startPortalFor(t, kind, { vendor: 'mikrotik', uamSecret: null, nasName: 'quan3-hotspot' })
    const mt = await new FakeMikrotik({ portalUrl: p.url, identity: 'quan3-hotspot', radius: NO_RADIUS, clientMac: VICTIM }).start()
    t.teardown(() => mt.close())
    const good = mt.redirectUrl('http://example.org/')
    t.equal((await get(good)).status, 200, 'the router at its registered address')

    const evil = new URL(good)
    evil.searchParams.set('link-login-only', 'https://evil.example/login')
    const r = await get(evil.toString())
    t.equal(r.status, 400, 'link-login-only elsewhere')
    t.notOk(hasContext(r.html))
    t.notMatch(r.html, /evil\.example/)
    const logout = new URL(good)
    logout.searchParams.set('link-logout', 'https://evil.example/logout')
    t.equal((await get(logout.toString())).status, 400, 'link-logout elsewhere')

    // A login host registered for the NAS is allowed.
    await p.ctx.db.prisma.accessPoint.update({ where: { id: p.nas.id }, data: { loginHosts: ['hotspot.quan3.example'] } })
    await new Promise((r) => setTimeout(r, 1100))
    const hosted = new URL(good)
    hosted.searchParams.set('link-login-only', 'http://hotspot.quan3.example/login')
    hosted.searchParams.delete('link-logout')
    // The directory reloads a changed NAS within its refresh time; a new portal reads it at once.
    const p2 = await startPortalFor(t, kind, { vendor: 'mikrotik', uamSecret: null, nasName: 'quan3-hotspot' })
    await p2.ctx.db.prisma.accessPoint.update({ where: { id: p2.nas.id }, data: { loginHosts: ['hotspot.quan3.example'] } })
    const ok = await get(hosted.toString().replace(p.url, p2.url))
    t.equal(ok.status, 200, 'a registered login host')
    t.match(ok.html, /name="c"/)
  })

  t.test(`${kind}: item 7 — CoovaChilli without a UAM secret: uamip must be the NAS's`, async (t) => {
    const p = await startPortalFor(t, kind, { uamSecret: null })
    const chilli = await new FakeCoovaChilli({ portalUrl: `${p.url}/`, nasId: p.nas.name, radius: NO_RADIUS, clientMac: VICTIM }).start()
    t.teardown(() => chilli.close())
    const good = chilli.redirectUrl('notyet')
    t.equal((await get(good)).status, 200, 'uamip = the NAS address')
    const r = await get(good.replace('uamip=127.0.0.1', 'uamip=203.0.113.9'))
    t.equal(r.status, 400, 'uamip elsewhere')
    t.notOk(hasContext(r.html))
  })

  t.test(`${kind}: item 7 — CoovaChilli: parameters after md are not read`, async (t) => {
    const p = await startPortalFor(t, kind)
    const chilli = await new FakeCoovaChilli({ portalUrl: `${p.url}/`, nasId: p.nas.name, uamSecret: 'uam-secret-42-of-the-city', radius: NO_RADIUS, clientMac: VICTIM }).start()
    t.teardown(() => chilli.close())
    // Signed without userurl; the attacker appends one after md.
    const url = `${chilli.redirectUrl('notyet')}&userurl=${encodeURIComponent('https://evil.example/phish')}`
    const { status, html } = await get(url)
    t.equal(status, 200, 'md still matches')
    const step = await postForm(`${p.url}/login`, formFields(html, 'click-form'))
    t.equal(step.status, 303)
    const logon = new URL(step.headers.get('location')!)
    t.equal(logon.origin, chilli.url, 'to chilli')
    t.equal(logon.searchParams.get('userurl'), null, 'the unsigned userurl is not passed on')
  })

  t.test(`${kind}: item 2 — openNDS: an unencrypted fas is refused unless the NAS is registered insecure`, async (t) => {
    const p = await startPortalFor(t, kind, { vendor: 'opennds', uamSecret: FAS_KEY, nasName: 'quan5-nds' })
    const honest = await new FakeOpenNds({ portalUrl: p.url, gatewayName: 'quan5-nds', fasKey: FAS_KEY, clientMac: 'aa:bb:cc:00:00:01' }).start()
    t.teardown(() => honest.close())
    const gw = new URL(honest.url).host
    // The attack: the attacker's own hid with the MAC of a device that consented earlier.
    const ownHid = randomBytes(32).toString('hex')
    const forged = level1Fas([`clientip=192.168.8.50`, `clientmac=${VICTIM}`, 'gatewayname=quan5-nds', `hid=${ownHid}`, `gatewayaddress=${gw}`, 'authdir=opennds_auth'])
    const r = await get(`${p.url}/?fas=${forged}`)
    t.equal(r.status, 400, 'level 1 at a NAS not registered insecure')
    t.notOk(hasContext(r.html))

    // Level 3, as openNDS encrypts it: accepted, and its clientmac is the one used.
    const enc = await get(honest.redirectUrl())
    t.equal(enc.status, 200)
    t.match(enc.html, /name="c"/)

    // A fas encrypted with another key (an attacker guessing, or the sample key) decrypts for no NAS.
    const iv = openNdsIv()
    const other = encryptFasLikeOpenNds(`hid=${ownHid}, clientip=192.168.8.50, clientmac=${VICTIM}, gatewayname=quan5-nds, gatewayaddress=${gw}, authdir=opennds_auth`, 'not-the-key-of-this-nds', iv)
    const wrongKey = await get(`${p.url}/?fas=${encodeURIComponent(other)}&iv=${iv}`)
    t.equal(wrongKey.status, 403)
    t.notOk(hasContext(wrongKey.html))

    // Flipped bits in the ciphertext (CBC is malleable): refused, not parsed.
    const good = new URL(honest.redirectUrl())
    const inner = Buffer.from(Buffer.from(good.searchParams.get('fas')!, 'base64').toString('latin1'), 'base64')
    inner[40]! ^= 0x01
    good.searchParams.set('fas', Buffer.from(inner.toString('base64')).toString('base64'))
    t.not((await get(good.toString())).status, 200, 'a tampered ciphertext')

    // Registered insecure: level 1 works, but only towards the gateway's registered addresses.
    await p.ctx.db.prisma.accessPoint.update({ where: { id: p.nas.id }, data: { allowInsecureFas: true } })
    const p2 = await startPortalFor(t, kind, { vendor: 'opennds', uamSecret: FAS_KEY, nasName: 'quan5-nds' })
    await p2.ctx.db.prisma.accessPoint.update({ where: { id: p2.nas.id }, data: { allowInsecureFas: true } })
    t.equal((await get(`${p2.url}/?fas=${forged}`)).status, 200, 'level 1 at a NAS registered insecure')
    const away = level1Fas([`clientip=192.168.8.50`, `clientmac=${VICTIM}`, 'gatewayname=quan5-nds', `hid=${ownHid}`, 'gatewayaddress=evil.example:80', 'authdir=opennds_auth'])
    t.equal((await get(`${p2.url}/?fas=${away}`)).status, 400, 'gatewayaddress elsewhere')
  })

  t.test(`${kind}: item 2 — FAS keys and UAM secrets: 16 characters at least, no sample key`, async (t) => {
    const p = await startPortalFor(t, kind)
    const add = (uamSecret: string, n: number) => anotherNas(p, 'opennds', `nds-${n}`, `10.9.8.${n}`, { uamSecret })
    await t.rejects(add('short-key', 1), InputError, 'a short key')
    await t.rejects(add('328411b33fe55127421fa394995711658526ed47d0affad3fe56a0b3930c8689', 2), InputError, "openNDS's default faskey")
    await t.rejects(add('c775e7b757ede630cd0aa1113bd1026', 3), InputError, 'a prefix of a sample key')
    t.ok(await add('a-key-of-our-own-2026', 4), 'a key of its own')
  })
}

for (const kind of dbKinds()) {
  t.test(`${kind}: item 3 — a verified phone code logs in the device it was sent for, once`, async (t) => {
    const p = await startPortalFor(t, kind)
    const chilli = await new FakeCoovaChilli({ portalUrl: `${p.url}/`, nasId: p.nas.name, uamSecret: 'uam-secret-42-of-the-city', radius: NO_RADIUS, clientMac: VICTIM }).start()
    t.teardown(() => chilli.close())
    const start = (await get(chilli.redirectUrl('notyet'))).html
    const sent = await postForm(`${p.url}/otp/send`, { ...formFields(start, 'otp-form'), phone: '091 234 5678' })
    t.equal(sent.status, 303)
    const code = p.sms.lastCode()!
    const codePage = (await get(p.url + sent.headers.get('location'))).html
    const fields = formFields(codePage, 'code-form')
    const ok = await postForm(`${p.url}/otp/verify`, { ...fields, code })
    t.equal(ok.status, 303, 'verified: to the NAS')
    const tap = await postForm(`${p.url}/otp/verify`, { ...fields, code })
    t.equal(tap.status, 303, 'the same form again (a double tap) gets the same login')
    t.equal(new URL(tap.headers.get('location')!).searchParams.get('username'), new URL(ok.headers.get('location')!).searchParams.get('username'))

    // The replay: the same pass and code in a new form (another page load, or another tab).
    const again = (await get(p.url + sent.headers.get('location'))).html
    const replay = await postForm(`${p.url}/otp/verify`, { ...formFields(again, 'code-form'), code })
    t.not(replay.status, 303, 'a second login with one verification is refused')
    t.equal(await p.ctx.db.prisma.consent.count(), 1, 'one consent')
    t.equal(await p.ctx.db.prisma.credential.count(), 1, 'one credential')
  })
}

for (const kind of dbKinds()) {
  t.test(`${kind}: item 5 — no status pass without a proved login, no rows from a GET, status only at the NAS it came through`, async (t) => {
    const p = await startPortalFor(t, kind, { vendor: 'mikrotik', uamSecret: null, nasName: 'quan3-hotspot' })
    const prisma = p.ctx.db.prisma
    const mt = await new FakeMikrotik({ portalUrl: p.url, identity: 'quan3-hotspot', radius: NO_RADIUS, clientMac: VICTIM }).start()
    t.teardown(() => mt.close())
    // The victim is online (its device row and an open session exist).
    const victim = await prisma.device.create({ data: { mac: 'AA-BB-CC-DD-EE-99' } })
    await prisma.session.create({
      data: { nasId: p.nas.id, siteId: p.site.id, acctSessionId: 's-victim', deviceId: victim.id, username: 'x', framedIp: '10.5.50.9', startedAt: new Date(), updatedAt: new Date(), method: 'mac' },
    })
    // An unsigned MikroTik redirect naming the victim's MAC, then /done with its context.
    const page = await get(mt.redirectUrl())
    const c = formFields(page.html, 'click-form').c!
    const devices = await prisma.device.count()
    const done = await get(`${p.url}/done?c=${encodeURIComponent(c)}`)
    t.equal(done.status, 200)
    t.notMatch(done.html, /data-test="status-link"/, 'no status pass for a context alone')
    t.notMatch(done.html, /\/status\?s=/)
    const other = await get(`${p.url}/done?c=${encodeURIComponent(c.replace(/^/, ''))}&l=forged.ticket`)
    t.notMatch(other.html, /\/status\?s=/, 'nor with a forged ticket')
    t.equal(await prisma.device.count(), devices, 'a GET creates no device row')
    const fresh = await new FakeMikrotik({ portalUrl: p.url, identity: 'quan3-hotspot', radius: NO_RADIUS, clientMac: 'aa:bb:cc:dd:ee:98' }).start()
    t.teardown(() => fresh.close())
    const freshC = formFields((await get(fresh.redirectUrl())).html, 'click-form').c!
    await get(`${p.url}/done?c=${encodeURIComponent(freshC)}`)
    t.equal(await prisma.device.count({ where: { mac: 'AA-BB-CC-DD-EE-98' } }), 0, 'not even for a MAC never seen')

    // The real login: the ticket in dst; a pass only once RADIUS used the credential.
    const step = await postForm(`${p.url}/login`, formFields(page.html, 'click-form'))
    const dst = formFields(await step.text(), 'nas-login').dst!
    t.notMatch((await get(dst)).html, /\/status\?s=/, 'not before RADIUS accepted the credential')
    const username = formFields((await (await postForm(`${p.url}/login`, formFields(page.html, 'click-form'))).text()), 'nas-login').username!
    await prisma.credential.update({ where: { username }, data: { usedAt: new Date() } })
    t.match((await get(dst)).html, /\/status\?s=/, 'after RADIUS accepted it from that device')
  })

  t.test(`${kind}: item 5 — /status and /api/captive-portal by address only within the NAS the request came through`, async (t) => {
    const p = await startPortalFor(t, kind)
    const prisma = p.ctx.db.prisma
    const far = await anotherNas(p, 'coovachilli', 'far-ap', '10.9.9.9')
    const device = await prisma.device.create({ data: { mac: 'AA-BB-CC-DD-EE-77' } })
    // A session at another access point whose client happens to have the requester's address.
    await prisma.session.create({
      data: { nasId: far.id, siteId: p.site.id, acctSessionId: 's-far', deviceId: device.id, username: 'x', framedIp: '127.0.0.1', startedAt: new Date(), updatedAt: new Date(), method: 'mac' },
    })
    t.equal((await get(`${p.url}/status`)).status, 511, 'no status of another NAS\'s client')
    const api = await (await fetch(`${p.url}/api/captive-portal`)).json()
    t.equal(api.captive, true, 'the API does not report another NAS\'s session')
    t.notOk('seconds-remaining' in api)
  })
}

for (const kind of dbKinds()) {
  t.test(`${kind}: item 8 — openNDS gets RADIUS's voucher rules: a one-device voucher works on one device`, async (t) => {
    const p = await startPortalFor(t, kind, { vendor: 'opennds', uamSecret: FAS_KEY, nasName: 'quan5-nds' })
    const { vouchers } = await createVouchers(p.ctx.db.prisma, { site: p.site.name, count: 1, maxDevices: 1 }, 'test')
    const code = vouchers[0]!.code
    const useOn = async (mac: string) => {
      const nds = await new FakeOpenNds({ portalUrl: p.url, gatewayName: 'quan5-nds', fasKey: FAS_KEY, clientMac: mac }).start()
      t.teardown(() => nds.close())
      const { html } = await get(nds.redirectUrl())
      return postForm(`${p.url}/login`, { ...formFields(html, 'voucher-form'), method: 'voucher', code })
    }
    t.equal((await useOn('aa:bb:cc:00:08:01')).status, 303, 'the first device')
    const second = await useOn('aa:bb:cc:00:08:02')
    t.not(second.status, 303, 'a second device is refused')
    t.match(await second.text(), /đủ số thiết bị/)
    t.equal(await p.ctx.db.prisma.session.count(), 1, 'one session recorded')
    t.equal(await p.ctx.db.prisma.voucherDevice.count(), 1, 'one device place taken')
  })
}

t.test('item 10 — the per-site caches stay bounded whatever site ids the URLs name', async (t) => {
  const kind = dbKinds()[0]!
  const made = await testContext(t, kind)
  await seedSite(made.ctx)
  const app = await buildPortal(made.ctx, { sms: new RecordingSms() })
  t.teardown(() => app.close())
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  app.portal.listening(url)
  for (let i = 0; i < 1200; i += 50) {
    await Promise.all(
      Array.from({ length: 50 }, (_, j) => fetch(`${url}/${(i + j) % 2 ? 'logo' : 'go'}/${100000 + i + j}${(i + j) % 2 ? '' : '/x'}`, { redirect: 'manual' }).then((r) => r.arrayBuffer())),
    )
  }
  const sizes = app.portal.cacheSizes()
  t.ok(sizes.sites <= 1000, `site cache holds ${sizes.sites} entries after 1200 unknown ids`)
  t.ok(sizes.logos <= 1000)
})

t.test('item 2 — openNDS level 3: an authmon poll opens nobody, whoever sends it', async (t) => {
  const p = await startPortalFor(t, dbKinds()[0]!, { vendor: 'opennds', uamSecret: FAS_KEY, nasName: 'quan5-nds' })
  const nds = await new FakeOpenNds({ portalUrl: p.url, gatewayName: 'quan5-nds', fasKey: FAS_KEY, clientMac: 'aa:bb:cc:00:02:01' }).start()
  t.teardown(() => nds.close())
  // A client that consented and whose browser was sent to the gateway, but never got there.
  const { html } = await get(nds.redirectUrl())
  const step = await postForm(`${p.url}/login`, formFields(html, 'click-form'))
  t.equal(step.status, 303)
  t.match(step.headers.get('location'), /\/opennds_auth\/\?tok=[0-9a-f]{64}/, 'the browser is sent to the gateway with tok')
  t.same(await nds.authmonPoll('clear'), { status: 200, body: '' })
  t.same(await nds.authmonPoll('view'), { status: 200, body: '*' }, "the router's own poll: an empty list")
  t.same(await nds.authmonPoll('list', 'none', 'another-gateway'), { status: 200, body: '*' }, 'a forged poll: the same')
  t.notOk(nds.online, 'not opened through authmon')
  t.equal(nds.authmonAuths, 0)
  const other = await postForm(`${p.url}/`, { anything: 'else' })
  t.equal(other.status, 404, 'any other post to / is not found')
})
