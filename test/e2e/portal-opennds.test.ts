// Chromium behind a fake openNDS (FAS secure level 3, AES-256-CBC as openNDS encrypts it): the portal sends the
// browser to opennds_auth with tok = SHA-256(hid ‖ faskey); the gateway
// opens only for the right token; openNDS has no RADIUS, so the portal
// records the session and closes it on log-out. The fake also runs
// level 3's authmon against the portal throughout: the portal hands nothing
// out through it (the poll carries no proof of the faskey), whoever polls.
import { createHash } from 'node:crypto'
import t from 'tap'
import { FakeOpenNds } from '../fakes/opennds.js'
import { dbKinds } from '../helpers/databases.js'
import { launchBrowser, phone, startStack } from './stack.js'

const browserP = launchBrowser()
t.teardown(async () => (await browserP).close())
const FAS_KEY = 'fas-key-of-quan5-nds-2026'

for (const kind of dbKinds()) {
  t.test(`${kind}: openNDS — click-through, the portal's own session record, log out`, async (t) => {
    const s = await startStack(t, kind, { vendor: 'opennds', uamSecret: FAS_KEY, nasName: 'quan5-nds' })
    const nds = await new FakeOpenNds({ portalUrl: s.portalUrl, gatewayName: 'quan5-nds', fasKey: FAS_KEY, clientMac: 'aa:bb:cc:00:03:01' }).start()
    t.teardown(() => nds.close())
    t.same(await nds.authmonPoll('clear'), { status: 200, body: '' }, 'authmon start-up: clear')
    // authmon polls every nat_traversal_poll_interval seconds; here faster.
    const answers: string[] = []
    const polling = setInterval(() => void nds.authmonPoll('view').then((a) => answers.push(`${a.status} ${a.body}`)), 100)
    t.teardown(() => clearInterval(polling))
    const { page } = await phone(t, await browserP)
    await page.goto(`${nds.url}/bao-chi`)
    await page.getByRole('button', { name: 'Kết nối miễn phí' }).click()
    await page.getByTestId('success').waitFor()
    t.ok(nds.online, 'the gateway accepted the token')
    t.equal(nds.badTokens, 0)
    t.equal(nds.authRequests, 1, 'opened by the browser taking tok to opennds_auth')
    clearInterval(polling)
    t.ok(answers.length > 0, 'authmon polled during the login')
    t.same([...new Set(answers)], ['200 *'], 'every authmon poll got an empty auth list')
    t.equal(nds.authmonAuths, 0, 'no client was opened through authmon')
    // An attacker's poll naming this gateway, with an ack list: nothing in it, nothing changed.
    const rhid = createHash('sha256').update(nds.hid + FAS_KEY).digest('hex')
    const forged = await nds.authmonPoll('view', `* ${rhid}`)
    t.equal(forged.status, 200)
    t.notMatch(forged.body, rhid, 'no rhid handed out')
    t.same(await nds.authmonPoll('list', 'none', 'another-gateway'), { status: 200, body: '*' })
    const session = await s.ctx.db.prisma.session.findFirstOrThrow({ include: { device: true } })
    t.equal(session.device?.mac, 'AA-BB-CC-00-03-01')
    t.equal(session.stoppedAt, null)

    await page.getByTestId('status-link').click()
    await page.getByTestId('time-left').waitFor()
    t.match(await page.getByTestId('time-left').textContent(), /phút/, 'time left from the recorded session')
    await page.getByRole('button', { name: 'Đăng xuất' }).click()
    await page.getByTestId('denied').waitFor()
    t.notOk(nds.online, 'logged out at the gateway')
    t.ok((await s.ctx.db.prisma.session.findFirstOrThrow()).stoppedAt, 'and the portal closed its record')
  })
}
