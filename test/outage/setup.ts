// citywifi as its own process (`citywifi radius`) on a private PostgreSQL
// that the test stops and kills, with a site, a NAS on 127.0.0.1 and vouchers.
import fs from 'node:fs'
import { createContext } from '../../core/bootstrap.js'
import { loadConfig } from '../../core/config.js'
import { createLogger } from '../../core/logger.js'
import { addNas } from '../../core/services/nas.js'
import { addSite } from '../../core/services/sites.js'
import { createVouchers } from '../../core/services/vouchers.js'
import { attr, Code } from '../../radius/codec/index.js'
import { runCli, spawnCli, type RunningCli } from '../helpers/cli.js'
import { tempDataDir } from '../helpers/databases.js'
import { freePort } from '../helpers/free-port.js'
import { PrivatePostgres } from '../helpers/private-postgres.js'
import { RadiusTestClient } from '../helpers/radius-client.js'

export const SECRET = 'outage-secret-123456'

export interface OutageFixture {
  pg: PrivatePostgres
  dataDir: string
  env: Record<string, string>
  ports: { auth: number; acct: number; metrics: number }
  vouchers: string[]
  nasId: number
  client: RadiusTestClient
  /** The running citywifi (replaced by restart()). */
  app: RunningCli
  restart(extraEnv?: Record<string, string>): Promise<RunningCli>
  /** Its /metrics, as text. */
  metrics(): Promise<string>
}

export async function metricValue(text: string, name: string): Promise<number> {
  const m = text.match(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm'))
  return m ? Number(m[1]) : NaN
}

/** `t`: a tap test, or anything that collects clean-ups (the fault benchmark). */
export async function outageFixture(t: { teardown(fn: () => unknown): void }, opts: { env?: Record<string, string>; vouchers?: number; pg?: PrivatePostgres } = {}): Promise<OutageFixture> {
  const pg = opts.pg ?? (await PrivatePostgres.create())
  if (!opts.pg) t.teardown(() => pg.destroy())
  await pg.query('CREATE DATABASE citywifi')
  const dataDir = tempDataDir()
  t.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  const ports = { auth: await freePort(), acct: await freePort(), metrics: await freePort() }
  const env: Record<string, string> = {
    DATABASE_URL: pg.url('citywifi'),
    CITYWIFI_DATA_DIR: dataDir,
    LISTEN_HOST: '127.0.0.1',
    RADIUS_AUTH_PORT: String(ports.auth),
    RADIUS_ACCT_PORT: String(ports.acct),
    METRICS_PORT: String(ports.metrics),
    LOG_LEVEL: 'info',
    ...opts.env,
  }
  const migrated = await runCli(['migrate'], { env })
  if (migrated.code !== 0) throw new Error(`citywifi migrate failed: ${migrated.stderr}`)

  const config = loadConfig(env)
  const ctx = await createContext(config, createLogger('silent', process.stderr), { role: 'client' })
  let vouchers: string[]
  let nasId: number
  try {
    const prisma = ctx.db.prisma
    const site = await addSite(prisma, { name: 'Nhà văn hoá' }, 'test')
    const policy = await prisma.policy.create({ data: { name: 'outage', sessionMinutes: 60, interimSeconds: 60 } })
    await prisma.site.update({ where: { id: site.id }, data: { policyId: policy.id } })
    const nas = await addNas(prisma, ctx.secrets, { site: site.name, name: 'nas-outage', address: '127.0.0.1', secret: SECRET, vendor: 'coovachilli' }, 'test')
    nasId = nas.id
    const issued = await createVouchers(prisma, { site: site.name, count: opts.vouchers ?? 4, maxDevices: 1 }, 'test')
    vouchers = issued.vouchers.map((v) => v.code)
  } finally {
    await ctx.db.close()
  }

  const client = new RadiusTestClient(SECRET)
  // Many requests outstanding at once, each waiting for its own reply.
  client.socket.setMaxListeners(200)
  t.teardown(() => client.close())
  const start = async (extra: Record<string, string> = {}) => {
    const app = spawnCli(['radius'], { ...env, ...extra })
    await app.waitFor(/RADIUS ready/, 60_000)
    return app
  }
  const fixture: OutageFixture = {
    pg,
    dataDir,
    env,
    ports,
    vouchers,
    nasId,
    client,
    app: await start(),
    async restart(extra) {
      fixture.app = await start(extra)
      return fixture.app
    },
    async metrics() {
      const res = await fetch(`http://127.0.0.1:${ports.metrics}/metrics`)
      return res.text()
    },
  }
  t.teardown(async () => {
    if (fixture.app.child.exitCode === null && fixture.app.child.signalCode === null) {
      fixture.app.child.kill('SIGKILL')
      await fixture.app.exited()
    }
  })
  return fixture
}

/** Is the citywifi process still there? */
export function alive(app: RunningCli): boolean {
  return app.child.exitCode === null && app.child.signalCode === null
}

export function mac(n: number): string {
  const h = n.toString(16).padStart(8, '0')
  return `02-00-${h.slice(0, 2)}-${h.slice(2, 4)}-${h.slice(4, 6)}-${h.slice(6, 8)}`
}

export interface AcctInput {
  sid: string
  status: 'Start' | 'Interim-Update' | 'Stop'
  user: string
  mac: string
  seconds?: number
  octetsIn?: number
  octetsOut?: number
}

/** One Accounting-Request; true when it was acknowledged within `timeoutMs`. */
export async function sendAccounting(f: Pick<OutageFixture, 'client' | 'ports'>, a: AcctInput, timeoutMs = 3000): Promise<boolean> {
  const attrs = [
    attr('Acct-Status-Type', a.status),
    attr('Acct-Session-Id', a.sid),
    attr('User-Name', a.user),
    attr('Calling-Station-Id', a.mac),
    attr('Framed-IP-Address', '10.1.0.9'),
    attr('Acct-Session-Time', a.seconds ?? 0),
    attr('Acct-Input-Octets', a.octetsIn ?? 0),
    attr('Acct-Output-Octets', a.octetsOut ?? 0),
  ]
  const r = await f.client.request(Code.AccountingRequest, f.ports.acct, attrs, { messageAuthenticator: false, timeoutMs })
  return r?.packet.code === Code.AccountingResponse && r.verified
}

/** One voucher login: 'accept', 'reject' or 'none' (no reply within `timeoutMs`). */
export async function login(f: Pick<OutageFixture, 'client' | 'ports'>, code: string, device: string, timeoutMs = 2000): Promise<'accept' | 'reject' | 'none'> {
  const r = await f.client.request(Code.AccessRequest, f.ports.auth, [attr('User-Name', code), attr('Calling-Station-Id', device)], { password: code, timeoutMs })
  if (!r) return 'none'
  return r.packet.code === Code.AccessAccept ? 'accept' : 'reject'
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
