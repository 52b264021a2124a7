// A site, a policy, a NAS on 127.0.0.1 and some vouchers, then RADIUS on port 0.
import type { Test } from 'tap'
import type { AppContext } from '../../core/context.js'
import { addNas } from '../../core/services/nas.js'
import { addSite } from '../../core/services/sites.js'
import { createVouchers } from '../../core/services/vouchers.js'
import { startServices, testContext } from '../helpers/app.js'
import type { DbKind } from '../helpers/databases.js'
import { RadiusTestClient, radiusPorts } from '../helpers/radius-client.js'

export const SECRET = 'testing-secret-123456'
export const SITE = 'Bộ phận một cửa Phường 1'

export interface PolicyInput {
  sessionMinutes?: number
  dailyMinutes?: number | null
  dailyMegabytes?: number | null
  sessionMegabytes?: number | null
  downKbps?: number | null
  upKbps?: number | null
  simultaneousUse?: number
  interimSeconds?: number
}

export interface RadiusFixture {
  ctx: AppContext
  client: RadiusTestClient
  ports: { auth: number; acct: number }
  siteId: number
  nasId: number
  vouchers: string[]
}

export async function radiusFixture(
  t: Test,
  kind: DbKind,
  opts: {
    vendor?: string
    policy?: PolicyInput
    vouchers?: number
    voucherDevices?: number
    voucherMinutes?: number
    allowMissingMA?: boolean
    language?: string
    coaPort?: number
  } = {},
): Promise<RadiusFixture> {
  const { ctx } = await testContext(t, kind)
  const prisma = ctx.db.prisma
  const site = await addSite(prisma, { name: SITE }, 'test')
  const policy = await prisma.policy.create({
    data: { name: 'test', sessionMinutes: 30, downKbps: 2000, upKbps: 1000, interimSeconds: 60, ...opts.policy },
  })
  await prisma.site.update({ where: { id: site.id }, data: { policyId: policy.id } })
  const nas = await addNas(
    prisma,
    ctx.secrets,
    { site: SITE, name: 'nas-1', address: '127.0.0.1', secret: SECRET, vendor: opts.vendor ?? 'coovachilli', coaPort: opts.coaPort },
    'test',
  )
  if (opts.allowMissingMA || opts.language) {
    await prisma.accessPoint.update({
      where: { id: nas.id },
      data: { allowMissingMessageAuthenticator: opts.allowMissingMA ?? false, language: opts.language ?? 'vi' },
    })
  }
  const { vouchers } = await createVouchers(
    prisma,
    { site: SITE, count: opts.vouchers ?? 3, maxDevices: opts.voucherDevices ?? 1, minutes: opts.voucherMinutes },
    'test',
  )
  const services = await startServices(t, ctx, ['radius'])
  const client = new RadiusTestClient(SECRET)
  t.teardown(() => client.close())
  return { ctx, client, ports: radiusPorts(services.radius!), siteId: site.id, nasId: nas.id, vouchers: vouchers.map((v) => v.code) }
}

/** The value of a Prometheus counter with these labels, from the process registry. */
export async function counter(ctx: AppContext, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = await ctx.metrics.getSingleMetric(name)?.get()
  if (!metric) return 0
  return metric.values
    .filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))
    .reduce((sum, v) => sum + v.value, 0)
}
