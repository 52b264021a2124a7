import t from 'tap'
import { createHash } from 'node:crypto'
import { chapResponse } from '../../radius/codec/index.js'
import { coovaChapResponse, coovaLoginStep, coovaLogoutUrl, parseCoova, verifyCoovaChecksum } from '../../portal/nas/coovachilli.js'
import { ADAPTERS } from '../../portal/nas/index.js'

const q = (s: string) => Object.fromEntries(new URLSearchParams(s))
const BASE = 'res=notyet&uamip=10.1.0.1&uamport=3990&challenge=0123456789abcdef0123456789abcdef&mac=AA-BB-CC-DD-EE-FF&nasid=quan1-chilli&userurl=http%3a%2f%2fexample.org%2f'

t.test('a notyet redirect becomes one PortalContext', async (t) => {
  const r = parseCoova(q(`${BASE}&called=00-0A-0B-0C-0D-0E&ip=10.1.0.23&sessionid=abc`))
  t.ok(r.ok)
  if (!r.ok) return
  t.match(r.context, {
    vendor: 'coovachilli',
    nasName: 'quan1-chilli',
    apMac: '00-0A-0B-0C-0D-0E',
    clientMac: 'AA-BB-CC-DD-EE-FF',
    clientIp: '10.1.0.23',
    userUrl: 'http://example.org/',
    state: 'notyet',
    login: { vendor: 'coovachilli', uamip: '10.1.0.1', uamport: 3990, challenge: '0123456789abcdef0123456789abcdef' },
  })
  t.same(Object.values(ADAPTERS).filter((a) => a.detect(q(BASE))).map((a) => a.vendor), ['coovachilli'], 'only the CoovaChilli adapter detects it')
})

t.test('res values: success with timeleft, failed with reply, already, logoff; unknown reads as notyet', async (t) => {
  const s = parseCoova(q(BASE.replace('notyet', 'success') + '&timeleft=1800'))
  t.ok(s.ok && s.context.state === 'success' && s.context.timeLeft === 1800)
  const f = parseCoova(q(BASE.replace('notyet', 'failed') + '&reply=Voucher%20used%20up'))
  t.ok(f.ok && f.context.state === 'failed' && f.context.reply === 'Voucher used up')
  const a = parseCoova(q(BASE.replace('notyet', 'already')))
  t.ok(a.ok && a.context.state === 'already')
  const l = parseCoova(q(BASE.replace('notyet', 'logoff')))
  t.ok(l.ok && l.context.state === 'logoff')
  const u = parseCoova(q(BASE.replace('notyet', 'wispr')))
  t.ok(u.ok && u.context.state === 'notyet')
})

t.test('broken redirects are refused with a reason', async (t) => {
  t.match(parseCoova(q(BASE.replace('mac=AA-BB-CC-DD-EE-FF', 'mac=nope'))), { ok: false, problem: /mac/ })
  t.match(parseCoova(q(BASE.replace('uamip=10.1.0.1', 'uamip=evil.example'))), { ok: false, problem: /uamip/ })
  t.match(parseCoova(q(BASE.replace('uamport=3990', 'uamport=99999'))), { ok: false, problem: /uamport/ })
  t.match(parseCoova(q(BASE.replace('challenge=0123456789abcdef0123456789abcdef', 'challenge=xyz'))), { ok: false, problem: /challenge/ })
  t.match(parseCoova(q(BASE.replace('&challenge=0123456789abcdef0123456789abcdef', ''))), { ok: false, problem: /challenge is missing/ })
})

t.test('md: MD5 of the URL before &md= and the UAM secret, checked against each name of the portal', async (t) => {
  // Computed with md5sum from the same string followed by "secretX".
  const md = '39206A1F27242C8CFBCDFD6A12C7ADED'
  const raw = `/?${BASE}&md=${md}`
  t.ok(verifyCoovaChecksum(raw, ['http://portal.example:8080'], 'secretX'))
  t.ok(verifyCoovaChecksum(raw, ['https://proxy.example', 'http://portal.example:8080'], 'secretX'), 'any candidate may match')
  t.ok(verifyCoovaChecksum(`/?${BASE}&md=${md.toLowerCase()}`, ['http://portal.example:8080'], 'secretX'), 'hex case does not matter')
  t.notOk(verifyCoovaChecksum(raw, ['http://portal.example:8080'], 'other-secret'), 'wrong secret')
  t.notOk(verifyCoovaChecksum(raw.replace('AA-BB', 'AA-BC'), ['http://portal.example:8080'], 'secretX'), 'a changed MAC')
  t.notOk(verifyCoovaChecksum(`/?${BASE}`, ['http://portal.example:8080'], 'secretX'), 'no md at all')
  t.ok(verifyCoovaChecksum(`${raw}&lang=en`, ['http://portal.example:8080'], 'secretX'), 'parameters after md (the language toggle) are not signed')
})

t.test('CHAP response for /logon: with and without a UAM secret, as RADIUS checks it', async (t) => {
  const challenge = '0123456789abcdef0123456789abcdef'
  // Known answers computed with Python's hashlib.
  t.equal(coovaChapResponse(challenge, 'cw-pass-123', 'secret'), '8cb717c83e8e3316c3cd52df3237acb5')
  t.equal(coovaChapResponse(challenge, 'cw-pass-123'), 'b045f1d48944f6fea5f13b94324722a4')
  // What the codec (written separately) computes from what chilli puts in CHAP-Challenge.
  const chal2 = createHash('md5').update(Buffer.from(challenge, 'hex')).update('secret').digest()
  t.equal(coovaChapResponse(challenge, 'cw-pass-123', 'secret'), chapResponse(0, 'cw-pass-123', chal2).toString('hex'))
})

t.test('the login step is a GET to http://uamip:uamport/logon with username, response and userurl', async (t) => {
  const r = parseCoova(q(BASE))
  if (!r.ok || r.context.login.vendor !== 'coovachilli') return t.fail('parse')
  const step = coovaLoginStep(r.context.login, { username: 'cw-abc', password: 'cw-pass-123' }, 'secret', r.context.userUrl)
  t.equal(step.kind, 'redirect')
  if (step.kind !== 'redirect') return
  const u = new URL(step.url)
  t.equal(u.origin + u.pathname, 'http://10.1.0.1:3990/logon')
  t.equal(u.searchParams.get('username'), 'cw-abc')
  t.equal(u.searchParams.get('response'), '8cb717c83e8e3316c3cd52df3237acb5')
  t.equal(u.searchParams.get('userurl'), 'http://example.org/')
  t.equal(coovaLogoutUrl(r.context.login), 'http://10.1.0.1:3990/logoff')
})
