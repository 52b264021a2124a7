import t from 'tap'
import { chapResponse } from '../../radius/codec/index.js'
import { ADAPTERS } from '../../portal/nas/index.js'
import { decodeOctalEscapes, mikrotikLoginStep, mikrotikLogoutUrl, mikrotikPassword, parseMikrotik } from '../../portal/nas/mikrotik.js'

const CHAP_ID = '\\273'
const CHAP_CHALLENGE = '\\021\\377\\000A'
const query = (extra: Record<string, string> = {}) => ({
  mac: 'AA:BB:CC:00:11:22',
  ip: '10.5.50.17',
  'link-login-only': 'http://10.5.50.1/login',
  'link-orig': 'http://vnexpress.net/',
  'chap-id': CHAP_ID,
  'chap-challenge': CHAP_CHALLENGE,
  identity: 'quan3-hotspot',
  error: '',
  ...extra,
})

t.test('octal escapes become bytes; plain characters stand for themselves', async (t) => {
  t.same([...decodeOctalEscapes('\\273\\021\\377\\000A')], [0o273, 0o21, 0o377, 0, 65])
  t.same([...decodeOctalEscapes('')], [])
})

t.test('the login page parameters become one PortalContext', async (t) => {
  const r = parseMikrotik(query())
  t.ok(r.ok)
  if (!r.ok) return
  t.match(r.context, {
    vendor: 'mikrotik',
    nasName: 'quan3-hotspot',
    clientMac: 'AA-BB-CC-00-11-22',
    clientIp: '10.5.50.17',
    userUrl: 'http://vnexpress.net/',
    state: 'notyet',
    login: { vendor: 'mikrotik', loginUrl: 'http://10.5.50.1/login', chapId: 'bb', chapChallenge: '11ff0041' },
  })
  t.same(Object.values(ADAPTERS).filter((a) => a.detect(query())).map((a) => a.vendor), ['mikrotik'], 'only the MikroTik adapter detects it')
})

t.test('error= is a failed login with the router\'s words', async (t) => {
  const r = parseMikrotik(query({ error: 'RADIUS server is not responding' }))
  t.ok(r.ok && r.context.state === 'failed' && r.context.reply === 'RADIUS server is not responding')
})

t.test('refused: no MAC, a login URL that is not http(s), a malformed CHAP pair', async (t) => {
  t.match(parseMikrotik(query({ mac: '' })), { ok: false, problem: /mac/ })
  t.match(parseMikrotik(query({ 'link-login-only': 'javascript:alert(1)' })), { ok: false, problem: /link-login-only/ })
  t.match(parseMikrotik(query({ 'chap-id': '\\001\\002' })), { ok: false, problem: /CHAP/ })
  t.match(parseMikrotik(query({ 'chap-challenge': '' })), { ok: false, problem: /CHAP/ })
})

t.test('password = hex MD5(chap-id ‖ password ‖ chap-challenge), as RouterOS\'s md5.js and RADIUS compute it', async (t) => {
  const r = parseMikrotik(query())
  if (!r.ok || r.context.login.vendor !== 'mikrotik') return t.fail('parse')
  // Known answer from Python's hashlib.
  t.equal(mikrotikPassword(r.context.login, 'ABCD2345EF'), '64f9bfb53238af2fbd11e66c1dafb03a')
  t.equal(mikrotikPassword(r.context.login, 'ABCD2345EF'), chapResponse(0o273, 'ABCD2345EF', Buffer.from([0o21, 0o377, 0, 65])).toString('hex'))
  const pap = parseMikrotik(query({ 'chap-id': '', 'chap-challenge': '' }))
  t.ok(pap.ok && pap.context.login.vendor === 'mikrotik' && mikrotikPassword(pap.context.login, 'plain') === 'plain', 'without CHAP the password goes as is')
})

t.test('the login step is a form POST to link-login-only with username, password, dst', async (t) => {
  const r = parseMikrotik(query({ 'link-logout': 'http://10.5.50.1/logout' }))
  if (!r.ok || r.context.login.vendor !== 'mikrotik') return t.fail('parse')
  const step = mikrotikLoginStep(r.context.login, { username: 'cw-x', password: 'ABCD2345EF' }, 'https://portal.example/done?c=1')
  t.same(step, { kind: 'form', action: 'http://10.5.50.1/login', fields: { username: 'cw-x', password: '64f9bfb53238af2fbd11e66c1dafb03a', dst: 'https://portal.example/done?c=1', popup: 'false' } })
  t.equal(mikrotikLogoutUrl(r.context.login), 'http://10.5.50.1/logout')
  const noLogout = parseMikrotik(query())
  t.ok(noLogout.ok && noLogout.context.login.vendor === 'mikrotik' && mikrotikLogoutUrl(noLogout.context.login) === 'http://10.5.50.1/logout', 'derived from the login URL')
})
