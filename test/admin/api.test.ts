// /api/v1 with real RADIUS beside it: what the API changes reaches RADIUS at
// once (policies, NAS disabled, secrets rotated, vouchers revoked), sessions
// come from real accounting over UDP, a disconnect goes to a fake NAS and
// the answer comes back; every change and look-up is in the audit log.
import t from 'tap'
import { Code, attr, getAttr } from '../../radius/codec/index.js'
import { startServices, testContext } from '../helpers/app.js'
import { dbKinds } from '../helpers/databases.js'
import { RadiusTestClient, radiusPorts } from '../helpers/radius-client.js'
import { fakeCoaNas } from '../fakes/coa-nas.js'
import { adminFixture } from './setup.js'

const SECRET = 'api-test-secret-0123456789'
const MAC = '02-00-00-00-AA-01'

for (const kind of dbKinds()) {
  t.test(`the API on ${kind}`, async (t) => {
    const { ctx } = await testContext(t, kind)
    const radius = await startServices(t, ctx, ['radius'])
    const ports = radiusPorts(radius.radius!)
    const f = await adminFixture(t, kind, { ctx })
    const prisma = ctx.db.prisma
    const coaNas = await fakeCoaNas(SECRET)
    t.teardown(() => coaNas.close())
    const client = new RadiusTestClient(SECRET)
    t.teardown(() => client.close())
    const audit = (action: string) => prisma.auditEvent.findMany({ where: { action }, orderBy: { id: 'asc' } })

    // --- sites ---------------------------------------------------------------------
    const created = await f.api('POST', '/api/v1/sites', { body: { name: 'UBND Phường Bến Nghé', address: '1 Lê Lợi', ssid: 'CityWiFi', allowOtp: true } })
    t.equal(created.status, 201)
    t.match(created.json, { id: Number, name: 'UBND Phường Bến Nghé', ssid: 'CityWiFi', allowOtp: true, policy: null })
    const siteId = created.json.id as number
    const [siteAudit] = await audit('site.create')
    t.match(siteAudit, { actor: /^token:\d+:admin script$/, ip: '127.0.0.1', target: `site:${siteId}`, detail: { after: { name: 'UBND Phường Bến Nghé' } } })

    const bad = await f.api('POST', '/api/v1/sites', { body: { name: '  ', landingUrl: 'javascript:alert(1)' } })
    t.equal(bad.status, 400)
    t.match(bad.json, { error: 'invalid', field: 'name', problems: [{ field: 'name' }, { field: 'landingUrl' }] }, 'every problem, each with its field')
    t.equal((await f.api('POST', '/api/v1/sites', { body: { name: 'UBND Phường Bến Nghé' } })).json.error, 'invalid', 'a taken name')

    const patched = await f.api('PATCH', `/api/v1/sites/${siteId}`, { role: 'operator', body: { address: '2 Lê Lợi', links: [{ labelVi: 'Dịch vụ công', url: 'https://dichvucong.gov.vn/' }] } })
    t.equal(patched.status, 200)
    t.match(patched.json.links, [{ key: 'dich-vu-cong', labelEn: 'Dịch vụ công' }])
    const [siteUpdate] = await audit('site.update')
    t.same(siteUpdate!.detail, { before: { address: '1 Lê Lợi', links: [] }, after: { address: '2 Lê Lợi', links: [{ key: 'dich-vu-cong', labelVi: 'Dịch vụ công', labelEn: 'Dịch vụ công', url: 'https://dichvucong.gov.vn/' }] } })
    t.equal((await f.api('GET', '/api/v1/sites', { role: 'viewer' })).json.items.length, 1, 'site names for statistics, also for viewers')

    // --- policies -------------------------------------------------------------------------
    const pol = await f.api('POST', '/api/v1/policies', { body: { name: '45 phút', sessionMinutes: 45, downKbps: 4000, upKbps: 1000 } })
    t.equal(pol.status, 201)
    t.equal((await f.api('POST', '/api/v1/policies', { body: { name: 'x', sessionMinutes: 0 } })).json.field, 'sessionMinutes')
    t.equal((await f.api('PATCH', `/api/v1/sites/${siteId}`, { body: { policyId: pol.json.id } })).json.policy.name, '45 phút')

    // --- access points ------------------------------------------------------------------
    const nas = await f.api('POST', '/api/v1/nas', { body: { site: 'UBND Phường Bến Nghé', name: 'ap-ben-nghe', ip: '127.0.0.1', secret: SECRET, vendor: 'coovachilli', coaPort: coaNas.port } })
    t.equal(nas.status, 201)
    t.match(nas.json, { name: 'ap-ben-nghe', ip: '127.0.0.1', vendor: 'coovachilli', site: { id: siteId }, coaPort: coaNas.port, disabled: false, hasUamSecret: false })
    t.notMatch(nas.text, SECRET, 'the secret is never answered')
    t.notOk('secret' in nas.json || 'secretEnc' in nas.json)
    const nasId = nas.json.id as number
    t.equal((await f.api('POST', '/api/v1/nas', { body: { site: 'UBND Phường Bến Nghé', name: 'ap-2', ip: '10.0.0.300', secret: 'short' } })).json.problems.length, 2, 'address and secret refused together')
    const alive = async (secret = SECRET) => {
      const c = new RadiusTestClient(secret)
      try {
        return (await c.request(Code.StatusServer, ports.auth, [], { timeoutMs: 1500 }))?.packet.code === Code.AccessAccept
      } finally {
        c.close()
      }
    }
    t.ok(await alive(), 'RADIUS answers the new NAS at once')

    // --- vouchers and a policy change reaching RADIUS --------------------------------------
    const vouchers = await f.api('POST', '/api/v1/vouchers', { role: 'operator', body: { site: 'UBND Phường Bến Nghé', count: 3, validDays: 7, note: 'hội nghị' } })
    t.equal(vouchers.status, 201)
    t.equal(vouchers.json.length, 3)
    t.match(vouchers.json[0], { code: /^[3479A-Z]{10}$/, minutes: null, validUntil: String })
    const [code, code2] = vouchers.json.map((v: { code: string }) => v.code) as string[]
    const login = (c: string, mac = MAC) => client.request(Code.AccessRequest, ports.auth, [attr('User-Name', c!), attr('Calling-Station-Id', mac)], { password: c })
    let r = await login(code!)
    t.equal(r?.packet.code, Code.AccessAccept)
    t.equal(getAttr(r!.packet, 'Session-Timeout'), 45 * 60, 'the policy attached through the API')
    t.equal((await f.api('PATCH', `/api/v1/policies/${pol.json.id}`, { body: { sessionMinutes: 20 } })).status, 200)
    r = await login(code!)
    t.equal(getAttr(r!.packet, 'Session-Timeout'), 20 * 60, 'a policy change reaches RADIUS at once')
    t.match((await audit('policy.update'))[0]!.detail, { before: { sessionMinutes: 45 }, after: { sessionMinutes: 20 } })
    const list = await f.api('GET', `/api/v1/vouchers?batch=${encodeURIComponent((await prisma.voucher.findUniqueOrThrow({ where: { code: code2! } })).batch!)}&state=unused`)
    t.equal(list.json.items.length, 2, 'the two not yet used')
    const csv = await f.api('GET', '/api/v1/vouchers?format=csv')
    t.match(csv.headers.get('content-type'), /^text\/csv/)
    t.match(csv.text, /^code,site,batch,state,/)
    t.equal(csv.text.trim().split('\r\n').length, 4)

    // --- a session from real accounting ------------------------------------------------------
    const acct = await client.request(
      Code.AccountingRequest,
      ports.acct,
      [attr('Acct-Status-Type', 'Start'), attr('Acct-Session-Id', 'api-s-1'), attr('User-Name', code!), attr('Calling-Station-Id', MAC), attr('Framed-IP-Address', '10.1.0.23')],
      { messageAuthenticator: false },
    )
    t.equal(acct?.packet.code, Code.AccountingResponse)
    const live = await f.api('GET', `/api/v1/sessions?active=true&site=${siteId}`, { role: 'operator' })
    t.equal(live.status, 200)
    t.equal(live.json.items.length, 1)
    t.match(live.json.items[0], { id: /^\d+$/, acctSessionId: 'api-s-1', nas: { id: nasId, name: 'ap-ben-nghe' }, site: { id: siteId }, stoppedAt: null, loginMethod: 'voucher', mac: MAC, inputOctets: 0, sessionSeconds: 0 })
    t.match((await audit('session.list')).at(-1), { actor: /^token:\d+:operator script$/, detail: { active: true, siteId, rows: 1 } }, 'the look-up is audited')
    t.equal((await f.api('GET', '/api/v1/sessions', { role: 'viewer' })).status, 403, 'never a session row for a viewer')
    t.equal((await f.api('GET', `/api/v1/sessions?site=Nowhere`)).json.field, 'site')
    t.equal((await f.api('GET', `/api/v1/sessions/lookup?mac=02:00:00:00:aa:01`, { role: 'operator' })).status, 403, "one person's history is for admins")
    const person = await f.api('GET', `/api/v1/sessions/lookup?mac=02:00:00:00:aa:01`)
    t.equal(person.json.items[0].acctSessionId, 'api-s-1')
    t.match((await audit('session.lookup')).at(-1)!.detail, { mac: MAC, rows: 1 })

    t.equal((await f.api('DELETE', `/api/v1/nas/${nasId}`)).status, 409, 'a NAS with sessions is not removed')
    t.equal(await prisma.session.count(), 1, 'its session is still there')

    // --- disconnect: ACK, then NAK ---------------------------------------------------------------
    const sid = live.json.items[0].id as string
    const ack = await f.api('POST', `/api/v1/sessions/${sid}/disconnect`, { role: 'operator' })
    t.same(ack.json, { result: 'ack', detail: null, errorCause: null })
    t.equal(coaNas.received.at(-1)!.packet.code, Code.DisconnectRequest)
    t.equal(getAttr(coaNas.received.at(-1)!.packet, 'Acct-Session-Id'), 'api-s-1')
    t.match((await audit('session.disconnect')).at(-1), { actor: /operator script/, target: `session:${sid}` })
    coaNas.answer = 'nak'
    const nak = await f.api('POST', `/api/v1/sessions/${sid}/disconnect`)
    t.match(nak.json, { result: 'nak', detail: 'Session-Context-Not-Found', errorCause: 503 })
    coaNas.answer = 'ack'
    t.equal((await f.api('POST', '/api/v1/sessions/999999/disconnect')).status, 404)

    // --- revoking a voucher: refused at once, its session cut off -----------------------------
    const revoked = await f.api('POST', `/api/v1/vouchers/${code!.toLowerCase()}/revoke`)
    t.match(revoked.json, { code, disconnected: 1 })
    r = await login(code!)
    t.equal(r?.packet.code, Code.AccessReject, 'RADIUS refuses a revoked voucher at once')
    t.equal((await audit('voucher.revoke')).length, 1)

    // --- secrets and disabling ---------------------------------------------------------------
    const rot = await f.api('POST', `/api/v1/nas/${nasId}/rotate-secret`, { body: {} })
    t.equal(rot.status, 200)
    t.match(rot.json, { which: 'secret', secret: /^[A-Za-z0-9_-]{24}$/ })
    t.equal(rot.headers.get('cache-control'), 'no-store')
    t.notOk(await alive(SECRET), 'the old secret no longer works')
    t.ok(await alive(rot.json.secret), 'the new one does')
    t.notMatch(JSON.stringify((await audit('nas.rotate-secret'))[0]), rot.json.secret, 'the audit log has no secret')
    t.equal((await f.api('PATCH', `/api/v1/nas/${nasId}`, { body: { secret: SECRET } })).status, 200, 'a secret set by hand')
    const hosts = await f.api('PATCH', `/api/v1/nas/${nasId}`, { body: { loginHosts: ['10.5.50.1', 'GW.example.vn:8080'], allowInsecureFas: true } })
    t.match(hosts.json, { loginHosts: ['10.5.50.1', 'gw.example.vn:8080'], allowInsecureFas: true }, 'login hosts and the insecure openNDS option through the API')
    const badHost = await f.api('PATCH', `/api/v1/nas/${nasId}`, { body: { loginHosts: ['http://evil.example/'] } })
    t.equal(badHost.status, 400)
    t.match(badHost.json.problems, [{ field: 'loginHosts' }])
    t.match((await f.api('PATCH', `/api/v1/nas/${nasId}`, { body: { loginHosts: [], allowInsecureFas: false } })).json, { loginHosts: [], allowInsecureFas: false })
    t.ok(await alive())
    t.equal((await f.api('PATCH', `/api/v1/nas/${nasId}`, { body: { disabled: true } })).json.disabled, true)
    t.notOk(await alive(), 'a disabled NAS is not answered')
    await f.api('PATCH', `/api/v1/nas/${nasId}`, { body: { disabled: false } })
    t.ok(await alive(), 'and is again once enabled')
    const spare = await f.api('POST', '/api/v1/nas', { body: { siteId, name: 'ap-spare', ip: '10.9.9.9', secret: SECRET } })
    t.equal((await f.api('DELETE', `/api/v1/nas/${spare.json.id}`)).status, 204, 'a NAS without sessions is removed')
    t.equal((await f.api('DELETE', `/api/v1/sites/${siteId}`)).status, 409, 'a site with an enabled NAS is not archived')

    // --- terms ------------------------------------------------------------------------------
    const device = await prisma.device.findUniqueOrThrow({ where: { mac: MAC } })
    const old = await f.api('GET', '/api/v1/terms')
    await prisma.consent.create({ data: { deviceId: device.id, siteId, termsId: old.json.items[0].id, method: 'click_through', expiresAt: new Date(Date.now() + 86_400_000) } })
    const terms = await f.api('POST', '/api/v1/terms', { role: 'operator', body: { version: '2027-01-v2', summaryVi: 'Tóm tắt', summaryEn: 'Summary', bodyVi: 'Điều 1', bodyEn: 'Article 1' } })
    t.equal(terms.status, 201)
    t.match(terms.json, { version: '2027-01-v2', current: true, endedConsents: 1 })
    t.equal(await prisma.consent.count({ where: { expiresAt: { gt: new Date() } } }), 0, 'returning devices must consent again')
    t.equal((await f.api('PATCH', `/api/v1/terms/${old.json.items[0].id}`, { body: { summaryEn: 'x' } })).status, 409, 'accepted terms are not changed')

    // --- staff and tokens ----------------------------------------------------------------------
    const tok = await f.api('POST', '/api/v1/tokens', { body: { name: 'grafana', role: 'viewer' } })
    t.match(tok.json, { token: /^cwt_/ })
    t.equal((await f.api('GET', '/api/v1/sites', { token: tok.json.token })).status, 200)
    t.equal((await f.api('DELETE', `/api/v1/tokens/${tok.json.id}`)).status, 200)
    t.equal((await f.api('GET', '/api/v1/sites', { token: tok.json.token })).status, 401, 'a revoked token is refused')
    const tokens = await f.api('GET', '/api/v1/tokens')
    t.notMatch(tokens.text, tok.json.token)
    t.ok(tokens.json.items.find((x: { name: string }) => x.name === 'admin script').lastUsedAt, 'last use is recorded')
    const staff = await f.api('GET', '/api/v1/staff')
    const adminId = staff.json.items.find((u: { username: string }) => u.username === 'admin1').id
    t.equal((await f.api('PATCH', `/api/v1/staff/${adminId}`, { body: { role: 'viewer' } })).status, 409, 'the last admin stays an admin')
    const ops = await f.api('POST', '/api/v1/staff', { body: { username: 'ha.nguyen', role: 'operator', password: 'mot-hai-ba-bon-nam' } })
    t.equal(ops.status, 201)
    t.notMatch(ops.text, 'passwordHash')
    const reset = await f.api('POST', `/api/v1/staff/${ops.json.id}/reset-password`)
    t.match(reset.json, { password: /^[A-Za-z0-9_-]{16}$/ })

    // --- the audit log ----------------------------------------------------------------------
    const log = await f.api('GET', '/api/v1/audit?action=nas&limit=500')
    t.same(new Set(log.json.items.map((e: { action: string }) => e.action)), new Set(['nas.create', 'nas.rotate-secret', 'nas.update', 'nas.disable', 'nas.enable', 'nas.remove']), 'every NAS change is in the log')
    t.equal((await f.api('GET', '/api/v1/audit', { role: 'operator' })).status, 403)
    const page1 = await f.api('GET', '/api/v1/audit?limit=2')
    const page2 = await f.api('GET', `/api/v1/audit?limit=2&cursor=${page1.json.nextCursor}`)
    t.ok(page2.json.items[0].id < page1.json.items[1].id, 'cursor pagination goes on from the last item')
  })
}

t.test('the OpenAPI document and the local docs page', async (t) => {
  const f = await adminFixture(t, dbKinds()[0]!)
  const doc = await f.api('GET', '/api/v1/openapi.json', { token: null })
  t.equal(doc.status, 200)
  t.equal(doc.json.openapi, '3.0.3')
  for (const path of ['/api/v1/sites', '/api/v1/nas', '/api/v1/nas/{id}/rotate-secret', '/api/v1/policies', '/api/v1/vouchers', '/api/v1/sessions', '/api/v1/sessions/{id}/disconnect', '/api/v1/terms', '/api/v1/audit', '/api/v1/staff', '/api/v1/tokens']) {
    t.ok(doc.json.paths[path], `${path} is described`)
  }
  t.notOk(Object.keys(doc.json.paths).some((p) => !p.startsWith('/api/v1/')), 'pages are not in the API document')
  t.same(doc.json.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer' })
  t.match(doc.json.paths['/api/v1/nas'].post, { security: [{ bearer: [] }], requestBody: Object, responses: { 201: Object, 401: Object, 403: Object } })
  const ui = await fetch(`${f.url}/api/v1/docs/`)
  const html = await ui.text()
  t.equal(ui.status, 200)
  t.notMatch(html, /(src|href)="https?:/, 'nothing from a CDN')
  t.match(ui.headers.get('content-security-policy'), "script-src 'self'")
})
