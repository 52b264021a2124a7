// citywifi as a process: first start, health, the data dir lock, the CLI
// beside a running instance, ports in use, bad configuration, shutdown.
import { execFileSync } from 'node:child_process'
import net from 'node:net'
import t, { type Test } from "tap"
import { runCli, spawnCli, type RunningCli } from '../helpers/cli.js'
import { dbKinds, freshDatabase, tempDataDir } from '../helpers/databases.js'
import fs from 'node:fs'

const PORTS = { LISTEN_HOST: '127.0.0.1', RADIUS_AUTH_PORT: '0', RADIUS_ACCT_PORT: '0', PORTAL_PORT: '0', ADMIN_PORT: '0' }

async function running(cli: RunningCli) {
  const m = await cli.waitFor(/"addresses":(\[[^\]]*\])[^\n]*"citywifi is running"/, 60_000)
  const addresses = JSON.parse(m[1]!) as string[]
  return { portal: addresses.find((a) => a.startsWith('http'))!, admin: addresses.filter((a) => a.startsWith('http'))[1]!, addresses }
}

async function stopWithin(t: Test, cli: RunningCli, ms: number) {
  const started = Date.now()
  cli.child.kill('SIGTERM')
  const { code } = await cli.exited()
  const took = Date.now() - started
  t.equal(code, 0, 'SIGTERM: exit 0')
  t.ok(took < ms, `stopped in ${took} ms`)
}

t.test('first start on an empty embedded data dir', async (t) => {
  const dataDir = tempDataDir()
  t.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  const started = Date.now()
  const cli = spawnCli(['start'], { ...PORTS, CITYWIFI_DATA_DIR: dataDir })
  t.teardown(() => cli.child.kill('SIGKILL'))
  const { portal, admin, addresses } = await running(cli)
  for (const url of [portal, admin]) {
    const res = await fetch(`${url}/healthz`)
    t.equal(res.status, 200, `${url}/healthz`)
    t.match(await res.json(), { status: 'ok', database: 'up' })
  }
  const healthyMs = Date.now() - started
  t.comment(`first start to healthy: ${healthyMs} ms`)
  t.ok(healthyMs < 30_000, 'healthy within 30 s')
  t.ok(addresses.some((a) => a.startsWith('udp://') && a.endsWith('(auth)')), 'RADIUS auth socket bound')

  const out = cli.output()
  const secret = out.match(/RADIUS shared secret\s+(\S+)/)?.[1]
  const password = out.match(/admin login\s+admin \/ (\S+)/)?.[1]
  t.ok(secret && secret.length >= 16, 'the demo NAS secret is printed')
  t.ok(password && password.length >= 16, 'the demo admin password is printed')
  const logLines = out.split('\n').filter((l) => l.startsWith('{'))
  t.ok(logLines.length > 0)
  t.notOk(logLines.some((l) => l.includes(secret!) || l.includes(password!)), 'neither reaches a log line')

  // The CLI while citywifi runs: through the data dir's socket.
  const vouchers = await runCli(['voucher', 'create', '--site', 'Quảng trường Trung tâm (demo)', '--count', '5', '--json'], {
    env: { CITYWIFI_DATA_DIR: dataDir },
  })
  t.equal(vouchers.code, 0, vouchers.stderr)
  t.equal(JSON.parse(vouchers.stdout).length, 5, 'vouchers created beside the running service')

  // An operator can look inside with psql.
  const psql = execFileSync('psql', ['-h', dataDir, '-U', 'postgres', '-d', 'postgres', '-Atc', 'SELECT count(*) FROM "Voucher"'], { encoding: 'utf8' })
  t.equal(psql.trim(), '5', 'psql -h <data dir> sees them')

  // A second service process on the same data dir fails at once.
  const t0 = Date.now()
  const second = await runCli(['portal'], { env: { ...PORTS, CITYWIFI_DATA_DIR: dataDir } })
  t.equal(second.code, 1)
  t.match(second.stderr.trim(), /^citywifi: the data dir .* is in use by another citywifi process \(pid \d+\); stop it first or use another CITYWIFI_DATA_DIR$/)
  t.ok(Date.now() - t0 < 5000, 'at once')

  await stopWithin(t, cli, 10_000)
  t.notOk(fs.existsSync(`${dataDir}/citywifi.pid`), 'the lock is released')

  // A second start: no demo again, and fast.
  const again = spawnCli(['start'], { ...PORTS, CITYWIFI_DATA_DIR: dataDir })
  t.teardown(() => again.child.kill('SIGKILL'))
  const t1 = Date.now()
  await running(again)
  t.comment(`second start to running: ${Date.now() - t1} ms`)
  t.notMatch(again.output(), /RADIUS shared secret/, 'the demo is seeded once')
  await stopWithin(t, again, 10_000)
})

t.test('a port in use: one clear line, exit 1, nothing left running', async (t) => {
  const db = await freshDatabase(dbKinds()[0]!)
  t.teardown(() => db.drop())
  const blocker = net.createServer()
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r))
  t.teardown(() => blocker.close())
  const port = (blocker.address() as net.AddressInfo).port
  const r = await runCli(['start'], { env: { ...PORTS, ...db.env, PORTAL_PORT: String(port) } })
  t.equal(r.code, 1)
  const errors = r.stderr.trim().split('\n').filter((l) => l.startsWith('citywifi:'))
  t.same(errors, [`citywifi: the portal (PORTAL_PORT) cannot listen on 127.0.0.1:${port}: the port is already in use`])
  t.notOk(fs.existsSync(`${db.dataDir}/citywifi.pid`), 'the data dir is released')
})

t.test('a wrong setting stops start-up with one line naming it', async (t) => {
  const cases: [Record<string, string>, string][] = [
    [{ RADIUS_AUTH_PORT: 'abc' }, 'citywifi: RADIUS_AUTH_PORT="abc" is not valid: expected a port number from 0 to 65535'],
    [{ PORTAL_PORT: '70000' }, 'citywifi: PORTAL_PORT="70000" is not valid: expected a port number from 0 to 65535'],
    [{ LOG_LEVEL: 'loud' }, 'citywifi: LOG_LEVEL="loud" is not valid: expected one of fatal, error, warn, info, debug, trace, silent'],
    [{ CITYWIFI_SEED_DEMO: 'maybe' }, 'citywifi: CITYWIFI_SEED_DEMO="maybe" is not valid: expected true or false'],
    [{ LISTEN_HOST: 'everywhere' }, 'citywifi: LISTEN_HOST="everywhere" is not valid: expected an IPv4 or IPv6 address such as 0.0.0.0 or 127.0.0.1'],
    [{ DATABASE_URL: 'mysql://root@db/x' }, 'citywifi: DATABASE_URL="mysql://root@db/x" is not valid: expected a postgresql://user@host:port/database URL (or leave it unset for the embedded database)'],
    [{ PORTAL_PUBLIC_URL: 'wifi.city.gov.vn' }, 'citywifi: PORTAL_PUBLIC_URL="wifi.city.gov.vn" is not valid: expected an http:// or https:// URL'],
    [{ CITYWIFI_TIMEZONE: 'Mars/Olympus' }, 'citywifi: CITYWIFI_TIMEZONE="Mars/Olympus" is not valid: expected an IANA time zone such as Asia/Ho_Chi_Minh'],
    [{ CITYWIFI_SECRET_KEY: 'hunter2' }, 'citywifi: CITYWIFI_SECRET_KEY="(hidden)" is not valid: expected 64 hexadecimal characters (32 random bytes, e.g. from `openssl rand -hex 32`)'],
  ]
  const dataDir = tempDataDir()
  t.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  for (const [env, line] of cases) {
    const r = await runCli(['start'], { env: { CITYWIFI_DATA_DIR: dataDir, ...env } })
    t.equal(r.code, 1, Object.keys(env)[0]!)
    t.equal(r.stderr.trim(), line)
  }
  t.same(fs.readdirSync(dataDir), [], 'nothing was created')
})

if (dbKinds().includes('postgres')) {
  t.test('PostgreSQL: start refuses an unmigrated database; migrate; start; stop', async (t) => {
    const db = await freshDatabase('postgres')
    t.teardown(() => db.drop())
    // Empty it: the template is migrated, this test wants a new database.
    execFileSync('psql', [db.url!, '-qc', 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;'])
    const refused = await runCli(['start'], { env: { ...PORTS, ...db.env } })
    t.equal(refused.code, 1)
    t.match(refused.stderr.trim(), /^citywifi: the database at postgresql:\/\/postgres@127\.0\.0\.1:5432\/citywifi_t_\w+ is not migrated \(\d+ pending: \d+_init(, \d+_\w+)*\): run `citywifi migrate` first$/)

    const migrate = await runCli(['migrate'], { env: db.env })
    t.equal(migrate.code, 0, migrate.stderr)
    t.match(migrate.stdout, /^applied \d+_init\n(applied \d+_\w+\n)*$/)
    const again = await runCli(['migrate'], { env: db.env })
    t.equal(again.stdout, 'the database is up to date: nothing to apply\n')

    const started = Date.now()
    const cli = spawnCli(['start'], { ...PORTS, ...db.env })
    t.teardown(() => cli.child.kill('SIGKILL'))
    const { portal, admin } = await running(cli)
    t.equal((await fetch(`${portal}/healthz`)).status, 200)
    t.equal((await fetch(`${admin}/healthz`)).status, 200)
    t.comment(`PostgreSQL start to healthy: ${Date.now() - started} ms`)
    t.notMatch(cli.output(), /RADIUS shared secret/, 'no demo seeded on PostgreSQL')

    // Losing the database turns health red.
    // Closed to new connections first: a job reconnecting in between would keep the database up.
    execFileSync('psql', [db.url!.replace(/\/[^/]+$/, '/test'), '-qc', `ALTER DATABASE ${new URL(db.url!).pathname.slice(1)} ALLOW_CONNECTIONS false`])
    execFileSync('psql', [db.url!.replace(/\/[^/]+$/, '/test'), '-qc', `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${new URL(db.url!).pathname.slice(1)}'`])
    const down = await fetch(`${portal}/readyz`)
    t.equal(down.status, 503, 'readyz is 503 while the database does not answer')
    t.match(await down.json(), { status: 'unavailable', database: 'down', writable: false })
    const alive = await fetch(`${portal}/healthz`)
    t.equal(alive.status, 200, 'healthz stays 200: the process is alive')
    t.match(await alive.json(), { status: 'ok', database: 'down' })
    execFileSync('psql', [db.url!.replace(/\/[^/]+$/, '/test'), '-qc', `ALTER DATABASE ${new URL(db.url!).pathname.slice(1)} ALLOW_CONNECTIONS true`])
    t.equal((await fetch(`${portal}/readyz`)).status, 200, 'and ready again when it is back')

    await stopWithin(t, cli, 10_000)
  })
}
