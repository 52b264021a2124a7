// RADIUS_WORKERS=2: two worker processes share the sockets; logins accepted by
// one are known to the other's accounting; /metrics adds the workers up; a
// SIGTERM stops all of them.
import { execFileSync } from 'node:child_process'
import t from 'tap'
import { Code, attr } from '../../radius/codec/index.js'
import { runCli, spawnCli } from '../helpers/cli.js'
import { dbKinds, freshDatabase } from '../helpers/databases.js'
import { RadiusTestClient } from '../helpers/radius-client.js'

const SECRET = 'cluster-secret-12345678'
const USERS = 40

t.test('RADIUS in two worker processes', async (t) => {
  const db = await freshDatabase(dbKinds()[0]!)
  t.teardown(() => db.drop())
  const cli = (args: string[]) => runCli(args, { env: db.env })
  t.equal((await cli(['site', 'add', '--name', 'S'])).code, 0)
  t.equal((await cli(['nas', 'add', '--site', 'S', '--name', 'n1', '--ip', '127.0.0.1', '--secret', SECRET])).code, 0)
  const vouchers = JSON.parse((await cli(['voucher', 'create', '--site', 'S', '--count', String(USERS), '--json'])).stdout) as { code: string }[]

  const proc = spawnCli(['radius'], { ...db.env, LISTEN_HOST: '127.0.0.1', RADIUS_AUTH_PORT: '0', RADIUS_ACCT_PORT: '0', METRICS_PORT: '0', RADIUS_WORKERS: '2' })
  t.teardown(() => proc.child.kill('SIGKILL'))
  const m = await proc.waitFor(/"addresses":(\[[^\]]*\])[^\n]*"citywifi is running"/, 90_000)
  const addresses = JSON.parse(m[1]!) as string[]
  const port = (suffix: string) => Number(addresses.find((a) => a.endsWith(suffix))!.match(/:(\d+) /)![1])
  const workers = execFileSync('pgrep', ['-P', String(proc.child.pid)], { encoding: 'utf8' }).trim().split('\n')
  t.equal(workers.length, 2, 'two worker processes')

  const client = new RadiusTestClient(SECRET)
  t.teardown(() => client.close())
  const mac = (i: number) => `02-00-00-00-00-${i.toString(16).padStart(2, '0').toUpperCase()}`
  const accepted = await Promise.all(
    vouchers.map((v, i) => client.request(Code.AccessRequest, port('(auth)'), [attr('User-Name', v.code), attr('Calling-Station-Id', mac(i))], { password: v.code })),
  )
  t.ok(accepted.every((r) => r?.packet.code === Code.AccessAccept && r.verified), `all ${USERS} accepted`)
  // Workers tell each other of their accepts every 200 ms.
  await new Promise((r) => setTimeout(r, 600))
  const started = await Promise.all(
    vouchers.map((v, i) =>
      client.request(Code.AccountingRequest, port('(accounting)'), [attr('Acct-Status-Type', 'Start'), attr('Acct-Session-Id', `c-${i}`), attr('User-Name', v.code), attr('Calling-Station-Id', mac(i))], {
        messageAuthenticator: false,
      }),
    ),
  )
  t.ok(started.every((r) => r?.packet.code === Code.AccountingResponse), 'all Starts stored')
  const flags = execFileSync('psql', db.url ? [db.url, '-Atc', 'SELECT authorized, count(*) FROM "Session" GROUP BY 1'] : ['-h', db.dataDir, '-U', 'postgres', '-d', 'postgres', '-Atc', 'SELECT authorized, count(*) FROM "Session" GROUP BY 1'], { encoding: 'utf8' })
  t.equal(flags.trim(), `t|${USERS}`, 'every session is known as authorised, whichever worker took its Start')

  const metricsUrl = addresses.find((a) => a.endsWith('/metrics'))!
  const text = await (await fetch(metricsUrl)).text()
  const accepts = [...text.matchAll(/^citywifi_radius_access_total\{result="accept",reason="voucher"\} (\d+)/gm)].map((x) => Number(x[1]))
  t.same(accepts, [USERS], 'the workers’ counters are added up')
  t.match(text, /^citywifi_radius_nas_clients 1$/m, 'a gauge every worker knows is not added up')

  proc.child.kill('SIGTERM')
  t.equal((await proc.exited()).code, 0, 'SIGTERM: exit 0')
  for (const pid of workers) {
    let alive = true
    try {
      process.kill(Number(pid), 0)
    } catch {
      alive = false
    }
    t.notOk(alive, `worker ${pid} stopped`)
  }
})
