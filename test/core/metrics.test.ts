// /metrics where Prometheus finds it: on the admin port, or on METRICS_PORT
// for a process without the admin app; and which proxies' X-Forwarded-For counts.
import fs from 'node:fs'
import t from 'tap'
import { loadConfig } from '../../core/config.js'
import { createHttpApp } from '../../core/http/app.js'
import { createLogger } from '../../core/logger.js'
import { spawnCli } from '../helpers/cli.js'
import { dbKinds, freshDatabase } from '../helpers/databases.js'
import { startTestApp } from '../helpers/app.js'

t.test('the admin port serves the metrics of every service in the process', async (t) => {
  const app = await startTestApp(t, dbKinds()[0]!)
  const text = await (await fetch(`${app.adminUrl}/metrics`)).text()
  t.match(text, /^citywifi_database_up 1$/m, 'the database answers')
  t.match(text, /^citywifi_process_resident_memory_bytes \d+/m, 'process metrics, one prefix')
  t.match(text, /^# TYPE citywifi_radius_packets_received_total counter$/m, 'RADIUS metrics')
  t.match(text, /^# TYPE citywifi_radius_nas_last_seen_timestamp_seconds gauge$/m)
  t.match(text, /citywifi_portal_/, 'portal metrics')
})

t.test('`citywifi radius` alone serves /metrics on METRICS_PORT', async (t) => {
  const db = await freshDatabase(dbKinds()[0]!)
  t.teardown(() => db.drop())
  const cli = spawnCli(['radius'], { ...db.env, LISTEN_HOST: '127.0.0.1', RADIUS_AUTH_PORT: '0', RADIUS_ACCT_PORT: '0', METRICS_PORT: '0' })
  t.teardown(() => cli.child.kill('SIGKILL'))
  const m = await cli.waitFor(/"addresses":(\[[^\]]*\])[^\n]*"citywifi is running"/, 60_000)
  const metricsUrl = (JSON.parse(m[1]!) as string[]).find((a) => a.endsWith('/metrics'))
  t.ok(metricsUrl, 'a metrics address is announced')
  const text = await (await fetch(metricsUrl!)).text()
  t.match(text, /^# TYPE citywifi_radius_packets_dropped_total counter$/m)
  t.equal((await fetch(metricsUrl!.replace('/metrics', '/healthz'))).status, 200)
  cli.child.kill('SIGTERM')
  t.equal((await cli.exited()).code, 0)
  t.notOk(fs.existsSync(`${db.dataDir}/citywifi.pid`))
})

t.test('X-Forwarded-For counts only from TRUST_PROXY', async (t) => {
  const log = createLogger('silent')
  for (const [trust, expected] of [
    [loadConfig({}).trustProxy, '203.0.113.9'],
    [loadConfig({ TRUST_PROXY: '10.0.0.0/8' }).trustProxy, '127.0.0.1'],
  ] as const) {
    const app = createHttpApp(log, [...trust])
    app.get('/ip', async (req) => req.ip)
    const res = await app.inject({ url: '/ip', remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': '203.0.113.9' } })
    t.equal(res.body, expected, `trusting ${trust.join(',')}`)
    await app.close()
  }
})
