// kill -9 in the middle of a storm of first logins, then a restart on the
// same PostgreSQL: every Access-Accept that left the process rested only on
// what was already committed. A voucher's device place is committed (with
// the rest of its batch) before the Accept is sent, so after the crash each
// accepted device still holds its place: the voucher lets it in again and
// refuses any other device. What the process only kept in memory (the
// cache, the accept log, login counts not yet flushed) is recomputed or only
// a statistic (docs/radius.md, "What an Access-Accept rests on").
import dgram from 'node:dgram'
import t, { type Test } from 'tap'
import pg from 'pg'
import { Code, attr, encodeRequest, verifyResponse } from '../../radius/codec/index.js'
import { runCli, spawnCli, type RunningCli } from '../helpers/cli.js'
import { freshDatabase } from '../helpers/databases.js'
import { RadiusTestClient } from '../helpers/radius-client.js'

const SECRET = 'crash-storm-secret-123456'
const VOUCHERS = 2000

async function startCopy(t: Test, env: Record<string, string>): Promise<{ proc: RunningCli; auth: number }> {
  const proc = spawnCli(['radius'], { ...env, LISTEN_HOST: '127.0.0.1', RADIUS_AUTH_PORT: '0', RADIUS_ACCT_PORT: '0', METRICS_PORT: '0', RADIUS_WORKERS: '1' })
  t.teardown(() => proc.child.kill('SIGKILL'))
  const m = await proc.waitFor(/"addresses":(\[[^\]]*\])[^\n]*"citywifi is running"/, 90_000)
  const addresses = JSON.parse(m[1]!) as string[]
  return { proc, auth: Number(addresses.find((a) => a.endsWith('(auth)'))!.match(/:(\d+) /)![1]) }
}

const mac = (i: number, d: number) => `02-${d.toString(16).padStart(2, '0')}-00-00-${((i >> 8) & 255).toString(16).padStart(2, '0')}-${(i & 255).toString(16).padStart(2, '0')}`.toUpperCase()

t.test('kill -9 during a storm of first logins: every Accept sent is durable', async (t) => {
  const db = await freshDatabase('postgres')
  t.teardown(() => db.drop())
  const cli = (args: string[]) => runCli(args, { env: db.env })
  t.equal((await cli(['site', 'add', '--name', 'S'])).code, 0)
  t.equal((await cli(['nas', 'add', '--site', 'S', '--name', 'n1', '--ip', '127.0.0.1', '--secret', SECRET])).code, 0)
  const vouchers = (JSON.parse((await cli(['voucher', 'create', '--site', 'S', '--count', String(VOUCHERS), '--devices', '1', '--json'])).stdout) as { code: string }[]).map((v) => v.code)

  const copy = await startCopy(t, db.env)
  // The storm: every voucher from its own new device, 64 at a time, until the process dies.
  const socket = dgram.createSocket('udp4')
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()))
  t.teardown(() => socket.close())
  const accepted = new Set<number>()
  const pending = new Map<number, { i: number; authenticator: Buffer }>()
  let next = 0
  let killed = false
  const send = () => {
    while (!killed && pending.size < 64 && next < VOUCHERS) {
      const i = next++
      const id = i % 256
      if (pending.has(id)) {
        next--
        break
      }
      const raw = encodeRequest({ code: Code.AccessRequest, identifier: id, secret: SECRET, password: vouchers[i]!, messageAuthenticator: true, attributes: [attr('User-Name', vouchers[i]!), attr('Calling-Station-Id', mac(i, 1))] })
      pending.set(id, { i, authenticator: raw.subarray(4, 20) })
      socket.send(raw, copy.auth, '127.0.0.1')
    }
  }
  let seen = 0
  const killedAt = new Promise<void>((resolve) => {
    socket.on('message', (msg) => {
      const p = pending.get(msg[1]!)
      if (!p || !verifyResponse(msg, p.authenticator, SECRET)) return
      pending.delete(msg[1]!)
      if (msg[0] === Code.AccessAccept) accepted.add(p.i)
      // Mid-storm: batches are in flight, some committed, some not.
      if (++seen === 400 && !killed) {
        killed = true
        copy.proc.child.kill('SIGKILL')
        resolve()
      }
      send()
    })
  })
  send()
  await killedAt
  await copy.proc.exited()
  // Replies already on the wire when the process died.
  await new Promise((r) => setTimeout(r, 200))
  t.ok(accepted.size >= 300, `${accepted.size} logins accepted before the kill`)

  const sql = new pg.Client({ connectionString: db.url })
  await sql.connect()
  t.teardown(() => sql.end())
  const { rows } = await sql.query<{ code: string; mac: string }>(
    `SELECT v.code, d.mac FROM "VoucherDevice" vd JOIN "Voucher" v ON v.id = vd."voucherId" JOIN "Device" d ON d.id = vd."deviceId"`,
  )
  const bound = new Map(rows.map((r) => [r.code, r.mac]))
  const lost = [...accepted].filter((i) => bound.get(vouchers[i]!) !== mac(i, 1))
  t.same(lost, [], 'every device accepted before the kill holds its place in the database')

  // After the restart: the accepted devices get in again, other devices do not.
  const again = await startCopy(t, db.env)
  const client = new RadiusTestClient(SECRET)
  t.teardown(() => client.close())
  const sample = [...accepted].slice(0, 50)
  const login = async (i: number, d: number) =>
    (await client.request(Code.AccessRequest, again.auth, [attr('User-Name', vouchers[i]!), attr('Calling-Station-Id', mac(i, d))], { password: vouchers[i]! }))?.packet.code
  const same = await Promise.all(sample.map((i) => login(i, 1)))
  t.ok(same.every((c) => c === Code.AccessAccept), 'each accepted device is let in again after the restart')
  const other = await Promise.all(sample.map((i) => login(i, 2)))
  t.ok(other.every((c) => c === Code.AccessReject), 'another device is refused: the one place was taken before the Accept was sent')
})
