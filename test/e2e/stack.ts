// The whole path of a connection on this machine: citywifi's RADIUS and
// portal on a fresh database, a fake NAS in front, and a phone-like headless
// Chromium (Debian's /usr/bin/chromium, driven by playwright-core).
import fs from 'node:fs'
import path from 'node:path'
import { Writable } from 'node:stream'
import { chromium, selectors, type Browser, type BrowserContext, type Page } from 'playwright-core'
import type { Test } from 'tap'
import type { AppContext } from '../../core/context.js'
import { PROJECT_ROOT } from '../../core/db/migrations.js'
import { createLogger } from '../../core/logger.js'
import type { OtpLimits } from '../../core/services/otp.js'
import { startPortal } from '../../portal/service.js'
import { startRadius } from '../../radius/service.js'
import { testContext } from '../helpers/app.js'
import type { DbKind } from '../helpers/databases.js'
import { seedSite, type SetupOptions } from '../portal/setup.js'

export const CHROMIUM = '/usr/bin/chromium'

// The portal's pages mark what tests look for with data-test (STYLE.md).
selectors.setTestIdAttribute('data-test')
export const SCREENSHOTS = path.join(PROJECT_ROOT, 'docs', 'screenshots')

export interface Stack {
  ctx: AppContext
  portalUrl: string
  radius: { host: string; port: number; acctPort: number }
  site: Awaited<ReturnType<typeof seedSite>>['site']
  nas: Awaited<ReturnType<typeof seedSite>>['nas']
  /** The portal's log lines so far (JSON), for the console SMS gateway's codes. */
  logLines: string[]
  /** Resolves with the code of the next console-gateway SMS after `after` lines. */
  nextSmsCode(after: number, ms?: number): Promise<string>
}

export async function startStack(t: Test, kind: DbKind, opts: SetupOptions & { otpLimits?: OtpLimits } = {}): Promise<Stack> {
  const { ctx: base } = await testContext(t, kind)
  const logLines: string[] = []
  const log = createLogger('info', new Writable({ write: (c, _e, cb) => (logLines.push(...c.toString().split('\n').filter(Boolean)), cb()) }))
  const ctx = { ...base, log }
  const { site, nas } = await seedSite(ctx, opts)
  const radius = await startRadius(ctx)
  t.teardown(() => radius.close())
  // The console gateway: the codes are read from the log, as a demo user would.
  const portal = await startPortal(ctx, { otpLimits: opts.otpLimits })
  t.teardown(() => portal.close())
  const port = (re: RegExp) => Number(re.exec(radius.addresses.join(' '))![1])
  return {
    ctx,
    portalUrl: portal.addresses[0]!,
    radius: { host: '127.0.0.1', port: port(/:(\d+) \(auth\)/), acctPort: port(/:(\d+) \(accounting\)/) },
    site,
    nas,
    logLines,
    async nextSmsCode(after, ms = 5000) {
      const deadline = Date.now() + ms
      while (Date.now() < deadline) {
        for (const line of logLines.slice(after)) {
          if (!line.includes('console gateway')) continue
          const m = /(\d{6})/.exec((JSON.parse(line) as { sms: string }).sms)
          if (m) return m[1]!
        }
        await new Promise((r) => setTimeout(r, 50))
      }
      throw new Error('no SMS in the log')
    },
  }
}

/** Debian's Chromium, headless; never a downloaded browser. */
export function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/install-test-deps.sh (Debian's chromium)`)
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
}

export interface PhoneOptions {
  lang?: 'vi' | 'en'
  width?: number
  javaScript?: boolean
}

/** A phone-sized page: 360 px wide unless told, Vietnamese unless told. */
export async function phone(t: Test, browser: Browser, opts: PhoneOptions = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 360, height: 740 },
    deviceScaleFactor: 1,
    isMobile: true,
    hasTouch: true,
    locale: opts.lang === 'en' ? 'en-US' : 'vi-VN',
    javaScriptEnabled: opts.javaScript ?? true,
    userAgent: 'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Mobile Safari/537.36 (citywifi-e2e)',
  })
  t.teardown(() => context.close())
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  return { context, page }
}

/**
 * A full-page screenshot. Written to docs/screenshots/ when
 * CITYWIFI_SCREENSHOTS=1 (or when the file is missing), so that a test run
 * does not rewrite the committed pictures every time.
 */
export async function screenshot(page: Page, name: string): Promise<Buffer> {
  const png = await page.screenshot({ fullPage: true })
  if (png.subarray(0, 8).toString('hex') !== '89504e470d0a1a0a') throw new Error(`screenshot ${name} is not a PNG`)
  const file = path.join(SCREENSHOTS, `${name}.png`)
  if (process.env.CITYWIFI_SCREENSHOTS === '1' || !fs.existsSync(file)) {
    fs.mkdirSync(SCREENSHOTS, { recursive: true })
    fs.writeFileSync(file, png)
  }
  return png
}

/** Counts the bytes of every response a page load brings (headers and bodies), from the browser's side. */
export function weigh(page: Page): { bytes(): Promise<number>; urls: string[] } {
  const responses: Promise<number>[] = []
  const urls: string[] = []
  page.on('requestfinished', (req) => {
    urls.push(req.url())
    responses.push(req.sizes().then((s) => s.responseHeadersSize + s.responseBodySize))
  })
  return { urls, bytes: async () => (await Promise.all(responses)).reduce((a, b) => a + b, 0) }
}
