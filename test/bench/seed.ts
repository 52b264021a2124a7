// Seeds the database citywifi's environment points at (CITYWIFI_DATA_DIR,
// DATABASE_URL) for a benchmark: one site with a 30-minute 2/1 Mbit/s
// policy, a CoovaChilli NAS for 127.0.0.1, --vouchers vouchers each bound
// to its device (voucher i to macOf(i), as after its first login) and
// --fresh vouchers never used; writes their codes to <out>.bound and
// <out>.fresh, one a line. Run in its own process by citywifi-server.ts, so
// that the load generator's process never loads the database code.
//   node --import tsx test/bench/seed.ts --secret S --vouchers 10000 --fresh 500 --out /tmp/x/codes
import fs from 'node:fs'
import { parseArgs } from 'node:util'
import { AuthStore } from '../../core/auth/store.js'
import { createContext } from '../../core/bootstrap.js'
import { loadConfig } from '../../core/config.js'
import { createLogger } from '../../core/logger.js'
import { addNas } from '../../core/services/nas.js'
import { addSite } from '../../core/services/sites.js'
import { createVouchers } from '../../core/services/vouchers.js'
import { macOf } from './radius-load.js'

export const BENCH_SITE = 'Benchmark square'
export const BENCH_POLICY = { name: 'bench', sessionMinutes: 30, idleMinutes: 10, interimSeconds: 300, downKbps: 2000, upKbps: 1000 }

const { values } = parseArgs({
  options: {
    secret: { type: 'string' },
    vouchers: { type: 'string', default: '10000' },
    out: { type: 'string' },
    fresh: { type: 'string', default: '0' },
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
  const { vouchers: all } = await createVouchers(prisma, { site: BENCH_SITE, count: count + fresh }, 'bench')
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
} finally {
  await ctx.db.close()
}
