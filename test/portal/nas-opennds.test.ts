import t from 'tap'
import { ADAPTERS } from '../../portal/nas/index.js'
import { decodeFas, openNdsLoginStep, openNdsLogoutUrl, openNdsToken, parseOpenNds } from '../../portal/nas/opennds.js'

const HID = 'ab12'.repeat(16)
const fasOf = (fields: string[]) => Buffer.from(fields.join(', ')).toString('base64')
const FIELDS = [
  'clientip=192.168.8.44',
  'clientmac=aa:bb:cc:dd:ee:10',
  'client_type=cpd_can',
  'gatewayname=quan5%2dnds',
  `hid=${HID}`,
  'gatewayaddress=192.168.8.1:2050',
  'gatewaymac=0a:1b:2c:3d:4e:5f',
  'authdir=opennds_auth',
  'originurl=http%3A%2F%2Fexample.org%2Fnews%3Fa%3D1',
  'clientif=br-lan',
]

t.test('the fas parameter decodes to its fields', async (t) => {
  const f = decodeFas(fasOf(FIELDS))
  t.equal(f.clientip, '192.168.8.44')
  t.equal(f.hid, HID)
  t.equal(f.gatewayaddress, '192.168.8.1:2050')
})

t.test('a level-1 redirect becomes one PortalContext', async (t) => {
  const r = parseOpenNds({ fas: fasOf(FIELDS) })
  t.ok(r.ok)
  if (!r.ok) return
  t.match(r.context, {
    vendor: 'opennds',
    nasName: 'quan5-nds',
    apMac: '0A-1B-2C-3D-4E-5F',
    clientMac: 'AA-BB-CC-DD-EE-10',
    clientIp: '192.168.8.44',
    userUrl: 'http://example.org/news?a=1',
    login: { vendor: 'opennds', gatewayAddress: '192.168.8.1:2050', authdir: 'opennds_auth', hid: HID },
  })
  t.same(Object.values(ADAPTERS).filter((a) => a.detect({ fas: fasOf(FIELDS) })).map((a) => a.vendor), ['opennds'], 'only the openNDS adapter detects it')
})

t.test('refused: no hid (level 0 or no faskey), a bad client, a gateway address that is a URL', async (t) => {
  t.match(parseOpenNds({ fas: fasOf(FIELDS.filter((f) => !f.startsWith('hid='))) }), { ok: false, problem: /hid/ })
  t.match(parseOpenNds({ fas: fasOf(FIELDS.map((f) => (f.startsWith('clientmac=') ? 'clientmac=zz' : f))) }), { ok: false, problem: /clientmac/ })
  t.match(parseOpenNds({ fas: fasOf(FIELDS.map((f) => (f.startsWith('clientip=') ? 'clientip=x' : f))) }), { ok: false, problem: /clientip/ })
  t.match(parseOpenNds({ fas: fasOf(FIELDS.map((f) => (f.startsWith('gatewayaddress=') ? 'gatewayaddress=evil.example/x?' : f))) }), { ok: false, problem: /gatewayaddress/ })
  t.match(parseOpenNds({ fas: '%%%' }), { ok: false, problem: /base64/ })
})

t.test('tok = hex SHA-256(hid ‖ faskey); the login step goes to the gateway\'s authdir', async (t) => {
  // Known answer from Python's hashlib.
  t.equal(openNdsToken(HID, 'my-fas-key'), 'f3fd3f55e93ed36eab4ec960bbeb0817728eb0fa9550101aa944230867adbcbe')
  const r = parseOpenNds({ fas: fasOf(FIELDS) })
  if (!r.ok || r.context.login.vendor !== 'opennds') return t.fail('parse')
  const step = openNdsLoginStep(r.context.login, 'my-fas-key', 'https://portal.example/done?c=1')
  t.equal(step.kind, 'redirect')
  if (step.kind !== 'redirect') return
  const u = new URL(step.url)
  t.equal(u.origin + u.pathname, 'http://192.168.8.1:2050/opennds_auth/')
  t.equal(u.searchParams.get('tok'), 'f3fd3f55e93ed36eab4ec960bbeb0817728eb0fa9550101aa944230867adbcbe')
  t.equal(u.searchParams.get('redir'), 'https://portal.example/done?c=1')
  t.equal(openNdsLogoutUrl(r.context.login), 'http://192.168.8.1:2050/opennds_deny/')
})
