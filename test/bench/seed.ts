// Seeds the database citywifi's environment points at (CITYWIFI_DATA_DIR,
// DATABASE_URL) for a benchmark: one site with a 30-minute 2/1 Mbit/s
// policy, a CoovaChilli NAS for 127.0.0.1, --vouchers vouchers each bound
// to its device (voucher i to macOf(i), as after its first login) and
// --fresh vouchers never used; writes their codes to <out>.bound and
// <out>.fresh, one a line; --credentials one-time portal credentials, each for
// its own new device macOf(CREDENTIAL_MACS + i), as the portal issues them
// (<out>.credentials: "username password" a line); --consented devices
// macOf(CONSENTED_MACS + i) with an unexpired click-through consent at the site
// to the terms in force (<out>.consented: one MAC a line), for MAC logins.
// Run in its own process by citywifi-server.ts, so that the load generator's
// process never loads the database code.
//   node --import tsx test/bench/seed.ts --secret S --vouchers 10000 --fresh 500 --out /tmp/x/codes
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import { parseArgs } from 'node:util'
import { AuthStore } from '../../core/auth/store.js'
import { createContext } from '../../core/bootstrap.js'
import { loadConfig } from '../../core/config.js'
import { createLogger } from '../../core/logger.js'
import { addNas } from '../../core/services/nas.js'
import { addSite } from '../../core/services/sites.js'
import { CREDENTIAL_PREFIX } from '../../core/services/credentials.js'
import { currentTerms } from '../../core/services/terms.js'
import { createVouchers, MAX_VOUCHERS_PER_BATCH } from '../../core/services/vouchers.js'
import { CONSENTED_MACS, CREDENTIAL_MACS, macOf } from './radius-load.js'

export const BENCH_SITE = 'Benchmark square'
export const BENCH_POLICY = { name: 'bench', sessionMinutes: 30, idleMinutes: 10, interimSeconds: 300, downKbps: 2000, upKbps: 1000 }

const { values } = parseArgs({
  options: {
    secret: { type: 'string' },
    vouchers: { type: 'string', default: '10000' },
    out: { type: 'string' },
    fresh: { type: 'string', default: '0' },
    credentials: { type: 'string', default: '0' },
    consented: { type: 'string', default: '0' },
  },
})
if (!values.secret || !values.out) throw new Error('usage: seed.ts --secret S --vouchers N --fresh M --out PREFIX')

const config = loadConfig()
const ctx = await createContext(config, createLogger('warn'), { role: 'owner' })
try {
  const prisma = ctx.db.prisma
  const site = await addSite(prisma, { name: BENCH_SITE }, 'bench')
  const policy = await prisma.policy.create({ data: BENCH_POLICY })
  await prisma.site.update({ where: { id: site.id }, data: { policyId: policy.id } })
  await addNas(prisma, ctx.secrets, { site: BENCH_SITE, name: 'bench-nas', address: '127.0.0.1', secret: values.secret, vendor: 'coovachilli' }, 'bench')
  const count = Number(values.vouchers)
  const fresh = Number(values.fresh)
  const all: { code: string }[] = []
  // Batches of 10,000: one batch is one transaction, which Prisma ends after 2 minutes on a busy machine.
  const chunk = Math.min(10_000, MAX_VOUCHERS_PER_BATCH)
  for (let left = count + fresh; left > 0; left -= chunk) {
    all.push(...(await createVouchers(prisma, { site: BENCH_SITE, count: Math.min(left, chunk) }, 'bench')).vouchers)
  }
  const vouchers = all.slice(0, count)
  // As after each voucher's first login: voucher i bound to the device macOf(i) the
  // generator sends for it, through the same store call RADIUS uses.
  const store = new AuthStore(prisma, ctx.db.pool, ctx.secrets, config.timeZone)
  const byCode = new Map<string, { id: number; code: string; maxDevices: number }>()
  const codes = vouchers.map((v) => v.code)
  for (const r of await prisma.voucher.findMany({ where: { code: { in: codes } }, select: { id: true, code: true, maxDevices: true } })) byCode.set(r.code, r)
  let next = 0
  const worker = async () => {
    for (let i = next++; i < vouchers.length; i = next++) {
      const v = byCode.get(vouchers[i]!.code)!
      const { bound } = await store.bindVoucherDevice(v.id, macOf(i), v.maxDevices)
      if (!bound) throw new Error(`voucher ${v.code} could not be bound to ${macOf(i)}`)
    }
  }
  // PGlite is one session: parallel binds would only queue there.
  await Promise.all(Array.from({ length: ctx.db.kind === 'embedded' ? 1 : 8 }, worker))
  fs.writeFileSync(`${values.out}.bound`, vouchers.map((v) => v.code).join('\n') + '\n')
  fs.writeFileSync(`${values.out}.fresh`, all.slice(count).map((v) => v.code).join('\n') + '\n')

  // One-time credentials and consented devices, in bulk: what the portal
  // writes for each person (a device, a consent, a credential), without the
  // portal's round trips, which are not what is measured here.
  const pool = ctx.db.pool
  const terms = await currentTerms(prisma)
  const consentedUntil = new Date(Date.now() + 30 * 86_400_000)
  const addDevices = async (macs: string[], method: string): Promise<number[]> => {
    const ids: number[] = []
    for (let i = 0; i < macs.length; i += 5000) {
      const chunk = macs.slice(i, i + 5000)
      const { rows } = await pool.query<{ id: number }>(
        `WITH d AS (INSERT INTO "Device" (mac) SELECT unnest($1::text[]) RETURNING id, mac),
         c AS (INSERT INTO "Consent" ("deviceId", "siteId", "termsId", method, "expiresAt")
               SELECT d.id, $2, $3, $4::"LoginMethod", $5 FROM d RETURNING "deviceId")
         SELECT d.id FROM d JOIN unnest($1::text[]) WITH ORDINALITY AS m(mac, n) ON m.mac = d.mac ORDER BY m.n`,
        [chunk, site.id, terms.id, method, consentedUntil],
      )
      ids.push(...rows.map((r) => r.id))
    }
    return ids
  }
  const credentials = Number(values.credentials)
  if (credentials > 0) {
    const macs = Array.from({ length: credentials }, (_, i) => macOf(CREDENTIAL_MACS + i))
    const deviceIds = await addDevices(macs, 'click_through')
    const lines: string[] = []
    const expires = new Date(Date.now() + 6 * 3600_000)
    for (let i = 0; i < credentials; i += 5000) {
      const users: string[] = []
      const encs: string[] = []
      const devs: number[] = []
      for (let j = i; j < Math.min(credentials, i + 5000); j++) {
        // Shaped as issueCredential makes them (core/services/credentials.ts).
        const username = `${CREDENTIAL_PREFIX}b${j.toString(36).padStart(11, '0')}`
        const password = randomBytes(12).toString('base64url')
        users.push(username)
        encs.push(ctx.secrets.encrypt(password))
        devs.push(deviceIds[j]!)
        lines.push(`${username} ${password}`)
      }
      await pool.query(
        `INSERT INTO "Credential" (username, "passwordEnc", method, "deviceId", "siteId", "expiresAt")
         SELECT u, e, 'click_through', d, $4, $5 FROM unnest($1::text[], $2::text[], $3::int[]) AS t(u, e, d)`,
        [users, encs, devs, site.id, expires],
      )
    }
    fs.writeFileSync(`${values.out}.credentials`, lines.join('\n') + '\n')
  }
  const consented = Number(values.consented)
  if (consented > 0) {
    const macs = Array.from({ length: consented }, (_, i) => macOf(CONSENTED_MACS + i))
    await addDevices(macs, 'click_through')
    fs.writeFileSync(`${values.out}.consented`, macs.join('\n') + '\n')
  }
  await pool.query('ANALYZE')
} finally {
  await ctx.db.close()
}
