// Two citywifi RADIUS processes on one PostgreSQL (two copies behind a NAS's
// primary and secondary server, or a load balancer): a voucher's device
// places and its simultaneous-use limit hold whichever copy each login
// reaches, with logins arriving at both at the same moment. The login path
// batches its statements (core/auth/batch.ts): what keeps the limits is the
// database (VoucherDevice's unique slot per voucher), not a process's memory.
import t, { type Test } from 'tap'
import pg from 'pg'
import { Code, attr } from '../../radius/codec/index.js'
import { runCli, spawnCli, type RunningCli } from '../helpers/cli.js'
import { freshDatabase } from '../helpers/databases.js'
import { RadiusTestClient } from '../helpers/radius-client.js'

const SECRET = 'two-copies-secret-123456'
const VOUCHERS = 30
const DEVICES = 2

async function startCopy(t: Test, env: Record<string, string>): Promise<{ proc: RunningCli; auth: number; acct: number }> {
  const proc = spawnCli(['radius'], { ...env, LISTEN_HOST: '127.0.0.1', RADIUS_AUTH_PORT: '0', RADIUS_ACCT_PORT: '0', METRICS_PORT: '0', RADIUS_WORKERS: '1' })
  t.teardown(() => proc.child.kill('SIGKILL'))
  const m = await proc.waitFor(/"addresses":(\[[^\]]*\])[^\n]*"citywifi is running"/, 90_000)
  const addresses = JSON.parse(m[1]!) as string[]
  const port = (suffix: string) => Number(addresses.find((a) => a.endsWith(suffix))!.match(/:(\d+) /)![1])
  return { proc, auth: port('(auth)'), acct: port('(accounting)') }
}

const mac = (v: number, d: number) => `02-00-00-${v.toString(16).padStart(2, '0')}-00-${d.toString(16).padStart(2, '0')}`.toUpperCase()

t.test('two copies on one PostgreSQL: device places and simultaneous use hold', async (t) => {
  const db = await freshDatabase('postgres')
  t.teardown(() => db.drop())
  const cli = (args: string[]) => runCli(args, { env: db.env })
  t.equal((await cli(['site', 'add', '--name', 'S'])).code, 0)
  t.equal((await cli(['nas', 'add', '--site', 'S', '--name', 'n1', '--ip', '127.0.0.1', '--secret', SECRET])).code, 0)
  const vouchers = (JSON.parse((await cli(['voucher', 'create', '--site', 'S', '--count', String(VOUCHERS), '--devices', String(DEVICES), '--json'])).stdout) as { code: string }[]).map((v) => v.code)
  const sql = new pg.Client({ connectionString: db.url })
  await sql.connect()
  t.teardown(() => sql.end())
  // One device online at a time per voucher.
  await sql.query(`WITH p AS (INSERT INTO "Policy" (name, "simultaneousUse", "updatedAt") VALUES ('one at a time', 1, now()) RETURNING id) UPDATE "Site" SET "policyId" = (SELECT id FROM p)`)

  const a = await startCopy(t, db.env)
  const b = await startCopy(t, db.env)
  const client = new RadiusTestClient(SECRET)
  t.teardown(() => client.close())
  const login = async (port: number, code: string, m: string) =>
    (await client.request(Code.AccessRequest, port, [attr('User-Name', code), attr('Calling-Station-Id', m)], { password: code }))?.packet.code

  // Every voucher: four new devices at once, two at each copy, for two places.
  const results = await Promise.all(
    vouchers.flatMap((code, v) => [0, 1, 2, 3].map(async (d) => ({ v, d, code: await login(d % 2 ? b.auth : a.auth, code, mac(v, d)) }))),
  )
  t.ok(
    results.every((r) => r.code === Code.AccessAccept || r.code === Code.AccessReject),
    'every login answered',
  )
  const { rows } = await sql.query<{ code: string; macs: string[] }>(
    `SELECT v.code, array_agg(d.mac ORDER BY d.mac) AS macs FROM "VoucherDevice" vd JOIN "Voucher" v ON v.id = vd."voucherId" JOIN "Device" d ON d.id = vd."deviceId" GROUP BY v.code`,
  )
  const bound = new Map(rows.map((r) => [r.code, r.macs]))
  let over = 0
  let mismatched = 0
  for (const [v, code] of vouchers.entries()) {
    const accepted = results.filter((r) => r.v === v && r.code === Code.AccessAccept).map((r) => mac(r.v, r.d)).sort()
    if (accepted.length > DEVICES) over++
    if (JSON.stringify(accepted) !== JSON.stringify(bound.get(code) ?? [])) mismatched++
  }
  t.equal(over, 0, `no voucher accepted more than ${DEVICES} devices`)
  t.equal(mismatched, 0, 'the devices accepted are exactly the devices bound in the database')
  t.ok(results.filter((r) => r.code === Code.AccessAccept).length >= VOUCHERS, 'every voucher let at least one device in')

  // Simultaneous use: a device of a fresh voucher online through copy A; a
  // second device at copy B (which has never read the voucher) is refused.
  const fresh = (JSON.parse((await cli(['voucher', 'create', '--site', 'S', '--count', '1', '--devices', '2', '--json'])).stdout) as { code: string }[])[0]!.code
  const x = mac(200, 1)
  const y = mac(200, 2)
  t.equal(await login(a.auth, fresh, x), Code.AccessAccept, 'device X through copy A')
  const start = await client.request(
    Code.AccountingRequest,
    a.acct,
    [attr('Acct-Status-Type', 'Start'), attr('Acct-Session-Id', 'two-1'), attr('User-Name', fresh), attr('Calling-Station-Id', x)],
    { messageAuthenticator: false },
  )
  t.equal(start?.packet.code, Code.AccountingResponse, 'X’s Start stored through copy A')
  t.equal(await login(b.auth, fresh, y), Code.AccessReject, 'device Y through copy B while X is online: refused')
  t.equal(await login(a.auth, fresh, y), Code.AccessReject, 'device Y through copy A while X is online: refused')
  t.equal(await login(b.auth, fresh, x), Code.AccessAccept, 'X roaming to copy B: let in (its own session does not count against it)')
})
