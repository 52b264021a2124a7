// Chromium behind a fake MikroTik Hotspot: the portal's login form goes to
// link-login-only with the CHAP-hashed password, the router asks citywifi's
// RADIUS, and only an Access-Accept sends the browser on to dst.
import t, { type Test } from 'tap'
import { FakeMikrotik } from '../fakes/mikrotik.js'
import { dbKinds } from '../helpers/databases.js'
import { NAS_SECRET } from '../portal/setup.js'
import { launchBrowser, phone, startStack, type Stack } from './stack.js'

const browserP = launchBrowser()
t.teardown(async () => (await browserP).close())

async function router(t: Test, s: Stack, mac: string) {
  const mt = await new FakeMikrotik({ portalUrl: s.portalUrl, identity: s.nas.name, radius: { ...s.radius, secret: NAS_SECRET }, clientMac: mac }).start()
  t.teardown(() => mt.close())
  return mt
}

for (const kind of dbKinds()) {
  t.test(`${kind}: MikroTik — with JavaScript the login form submits itself; without, one more tap`, async (t) => {
    const s = await startStack(t, kind, { vendor: 'mikrotik', uamSecret: null, nasName: 'quan3-hotspot' })
    const mt = await router(t, s, 'aa:bb:cc:00:02:01')
    const { page } = await phone(t, await browserP)
    await page.goto(`${mt.url}/thoi-tiet`)
    await page.getByRole('button', { name: 'Kết nối miễn phí' }).click()
    await page.getByTestId('success').waitFor()
    t.equal(mt.logins, 1)
    t.ok(mt.lastAnswer?.accepted, 'RADIUS answered Access-Accept to the router\'s CHAP')
    t.ok(mt.online)
    await page.getByTestId('continue').click()
    await page.getByTestId('internet').waitFor()
    t.equal(await page.getByTestId('internet').textContent(), 'The Internet: /thoi-tiet')

    const mt2 = await router(t, s, 'aa:bb:cc:00:02:02')
    const noJs = await phone(t, await browserP, { javaScript: false, lang: 'en' })
    await noJs.page.goto(`${mt2.url}/`)
    await noJs.page.getByRole('button', { name: 'Connect for free' }).click()
    await noJs.page.getByRole('heading', { name: 'Connecting…' }).waitFor()
    t.notOk(mt2.online, 'not before the person taps Continue')
    await noJs.page.getByRole('button', { name: 'Continue' }).click()
    await noJs.page.getByTestId('success').waitFor()
    t.ok(mt2.online, 'logged in without JavaScript')

    // Log out at the router: its logout page brings the browser back to the portal.
    await noJs.page.getByTestId('status-link').click()
    await noJs.page.getByRole('button', { name: 'Log out' }).click()
    await noJs.page.getByText('You are logged out').waitFor()
    t.notOk(mt2.online)
  })
}
