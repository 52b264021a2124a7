import http from 'node:http'
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { SecretBox } from '../../core/secret-box.js'
import { ConfigError, loadConfig } from '../../core/config.js'
import { fromAcceptLanguage, pickLang, Translator } from '../../portal/i18n.js'
import { en } from '../../portal/locales/en.js'
import { vi } from '../../portal/locales/vi.js'
import { SlidingWindows } from '../../portal/rate-limit.js'
import { contentSecurityPolicy, followableUrl } from '../../portal/security.js'
import { checkCsrfToken, csrfToken, Signer } from '../../portal/signing.js'
import { HttpSmsGateway, fillTemplate } from '../../portal/sms/http.js'
import { maskPhone } from '../../portal/sms/gateway.js'

t.test('both locales: the same keys, the same placeholders, no empty string', async (t) => {
  const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()
  t.same(Object.keys(en).sort(), Object.keys(vi).sort())
  for (const [key, text] of Object.entries(vi)) {
    const other = (en as Record<string, string>)[key]!
    t.ok(text.trim() && other.trim(), `${key} is not empty`)
    t.same(placeholders(other), placeholders(text), `${key}: same placeholders`)
  }
})

t.test('language: ?lang= first, then Accept-Language (with q), then the NAS, then Vietnamese', async (t) => {
  t.equal(fromAcceptLanguage('en-US,en;q=0.9,vi;q=0.8'), 'en')
  t.equal(fromAcceptLanguage('fr-FR, vi;q=0.5, en;q=0.7'), 'en', 'q-values rank')
  t.equal(fromAcceptLanguage('vi-VN,vi;q=0.9,en-US;q=0.8'), 'vi')
  t.equal(fromAcceptLanguage('de, fr'), undefined)
  t.equal(fromAcceptLanguage('en;q=0, vi'), 'vi', 'q=0 means not acceptable')
  t.equal(pickLang('en', 'vi'), 'en')
  t.equal(pickLang(undefined, 'en-GB'), 'en')
  t.equal(pickLang('xx', 'de', 'en'), 'en', 'the NAS setting when the browser names neither')
  t.equal(pickLang(undefined, undefined), 'vi')
})

t.test('durations, data and dates in the person\'s language', async (t) => {
  const v = new Translator('vi', 'Asia/Ho_Chi_Minh')
  const e = new Translator('en', 'Asia/Ho_Chi_Minh')
  t.equal(v.duration(45 * 60), '45 phút')
  t.equal(v.duration(90 * 60), '1 giờ 30 phút')
  t.equal(e.duration(2 * 3600), '2 hours')
  t.equal(e.duration(30), '30 seconds')
  t.equal(e.bytes(500_000_000n), '500 MB')
  t.match(v.bytes(1_500_000_000n), /^1,5\sGB$/)
  t.equal(v.number(1234567), '1.234.567')
  t.match(v.date(new Date('2026-11-27T20:00:00Z')), /28/, 'the local date (UTC+7 is already the 28th)')
})

t.test('signed values: altered, foreign or old ones are refused', async (t) => {
  const box = new SecretBox(randomBytes(32))
  const signer = new Signer(box)
  const now = Math.floor(Date.now() / 1000)
  const token = signer.sign('context', { iat: now, n: 7 })
  t.same(signer.verify('context', token, 60), { iat: now, n: 7 })
  t.equal(signer.verify('status', token, 60), undefined, 'another purpose')
  t.equal(signer.verify('context', token.replace(/^./, (c) => (c === 'e' ? 'f' : 'e')), 60), undefined, 'altered body')
  t.equal(signer.verify('context', signer.sign('context', { iat: now - 120, n: 7 }), 60), undefined, 'too old')
  t.equal(new Signer(new SecretBox(randomBytes(32))).verify('context', token, 60), undefined, 'another instance key')
  const sealed = signer.seal({ iat: now, p: '+84912345678' })
  t.notMatch(sealed, /912345678/, 'a sealed phone number cannot be read')
  t.same(signer.unseal(sealed, 60), { iat: now, p: '+84912345678' })
  t.equal(signer.unseal(sealed.slice(0, -2) + 'AA', 60), undefined, 'altered')
})

t.test('CSRF token: bound to the form key, the context and the address', async (t) => {
  const signer = new Signer(new SecretBox(randomBytes(32)))
  const input = { formKey: 'k'.repeat(22), context: 'ctx', ip: '10.0.0.5' }
  const token = csrfToken(signer, input)
  t.ok(checkCsrfToken(signer, token, input))
  t.notOk(checkCsrfToken(signer, token, { ...input, formKey: 'x'.repeat(22) }), 'another form')
  t.notOk(checkCsrfToken(signer, token, { ...input, context: 'other' }), 'another context')
  t.notOk(checkCsrfToken(signer, token, { ...input, ip: '10.0.0.6' }), 'another address')
  t.notOk(checkCsrfToken(signer, csrfToken(signer, input, Math.floor(Date.now() / 1000) - 3 * 3600), input), 'expired')
  t.notOk(checkCsrfToken(signer, undefined, input))
})

t.test('only plain http(s) URLs are followed', async (t) => {
  t.equal(followableUrl('http://example.org/a?b=1')?.toString(), 'http://example.org/a?b=1')
  t.ok(followableUrl('https://dichvucong.gov.vn/'))
  for (const bad of ['javascript:alert(1)', 'data:text/html,x', '//evil.example/', 'ftp://x/', 'http://user:pw@evil.example/', 'not a url', undefined]) {
    t.equal(followableUrl(bad), undefined, String(bad))
  }
})

t.test('CSP: nothing from elsewhere, forms to the portal and the NAS only, scripts only where asked', async (t) => {
  const csp = contentSecurityPolicy({ formOrigins: ['http://10.1.0.1:3990'] })
  t.match(csp, /default-src 'none'/)
  t.match(csp, /form-action 'self' http:\/\/10\.1\.0\.1:3990/)
  t.match(csp, /script-src 'none'/)
  t.match(csp, /frame-ancestors 'none'/)
  t.match(contentSecurityPolicy({ script: true }), /script-src 'self'/)
})

t.test('sliding windows count and say how long to wait', async (t) => {
  const w = new SlidingWindows()
  const now = 1_000_000
  t.equal(w.hit('a', 2, 60_000, now), 0)
  t.equal(w.hit('a', 2, 60_000, now + 1000), 0)
  t.equal(w.hit('a', 2, 60_000, now + 2000), 58)
  t.equal(w.peek('a', 2, 60_000, now + 61_000), 0, 'the first hit has left the window')
  t.equal(w.hit('b', 2, 60_000, now + 2000), 0, 'keys are separate')
})

t.test('SMS gateway variables are validated with the rest of the configuration', async (t) => {
  t.equal(loadConfig({}).sms.gateway, 'console')
  t.throws(() => loadConfig({ PORTAL_SMS_GATEWAY: 'http' }), ConfigError)
  t.throws(() => loadConfig({ PORTAL_SMS_GATEWAY: 'pigeon' }), /PORTAL_SMS_GATEWAY="pigeon" is not valid/)
  t.throws(() => loadConfig({ PORTAL_SMS_GATEWAY: 'http', PORTAL_SMS_URL: 'ftp://x/{to}' }), /PORTAL_SMS_URL/)
  const c = loadConfig({ PORTAL_SMS_GATEWAY: 'http', PORTAL_SMS_URL: 'https://sms.example/send?to={to}', PORTAL_SMS_PASSWORD: 'pw' })
  t.equal(c.sms.url, 'https://sms.example/send?to={to}')
  try {
    loadConfig({ PORTAL_SMS_TIMEOUT_MS: 'x', PORTAL_SMS_PASSWORD: 'hunter2' })
  } catch (err) {
    t.notMatch((err as Error).message, /hunter2/, 'a password never reaches the error line')
  }
})

t.test('SMS: templates encode each value for where it lands; the phone is masked in logs', async (t) => {
  t.equal(fillTemplate('https://x/?to={to}&m={text}', { to: '+84912345678', text: 'Mã 123 & ok' }, encodeURIComponent), 'https://x/?to=%2B84912345678&m=M%C3%A3%20123%20%26%20ok')
  t.equal(fillTemplate('{"to":"{to}","text":"{text}"}', { to: '+84912345678', text: 'say "hi"' }, (v) => JSON.stringify(v).slice(1, -1)), '{"to":"+84912345678","text":"say \\"hi\\""}')
  t.equal(maskPhone('+84912345678'), '+84••••••678')
})

t.test('the HTTP SMS gateway posts the message with credentials and reports a refusal', async (t) => {
  const seen: { method?: string; url?: string; auth?: string; type?: string; body: string }[] = []
  let status = 200
  const server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (d: Buffer) => (body += d.toString()))
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, type: req.headers['content-type'], body })
      res.writeHead(status).end('{}')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.teardown(() => server.close())
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  const sms = new HttpSmsGateway({
    gateway: 'http',
    url: `${base}/api/send?brand={sender}`,
    method: 'POST',
    body: '{"phone":"{to_local}","message":"{text}"}',
    contentType: 'application/json',
    username: 'city',
    password: 's3cret',
    token: undefined,
    sender: 'CITYWIFI',
    timeoutMs: 2000,
  })
  await sms.send('+84912345678', 'Ma xac thuc: 123456')
  t.equal(seen[0]!.method, 'POST')
  t.equal(seen[0]!.url, '/api/send?brand=CITYWIFI')
  t.equal(seen[0]!.auth, `Basic ${Buffer.from('city:s3cret').toString('base64')}`)
  t.equal(seen[0]!.type, 'application/json')
  t.same(JSON.parse(seen[0]!.body), { phone: '0912345678', message: 'Ma xac thuc: 123456' })
  status = 500
  await t.rejects(sms.send('+84912345678', 'x'), /answered HTTP 500/)
  const get = new HttpSmsGateway({ ...{ gateway: 'http', method: 'GET', body: '', contentType: '', username: undefined, password: undefined, sender: 'X', timeoutMs: 2000 }, url: `${base}/get?to={to_digits}&t={text}`, token: 'tok' })
  status = 200
  await get.send('+84912345678', 'a b')
  t.equal(seen.at(-1)!.url, '/get?to=84912345678&t=a%20b')
  t.equal(seen.at(-1)!.auth, 'Bearer tok')
})
