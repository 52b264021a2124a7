// How much disk the embedded database takes per session (docs/deploy.md
// "Disk"): N closed sessions with devices, as accounting leaves them, written
// into a copy of the build's empty database, then a CHECKPOINT and the sizes.
//   npx tsx scripts/disk-per-sessions.ts [N=200000] [dir=/tmp/cw-disk-measure]
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { PGLITE_CONF, PGLITE_TEMPLATE } from '../core/db/embedded.js'

const n = Number(process.argv[2] ?? 200_000)
const dir = process.argv[3] ?? '/tmp/cw-disk-measure'
fs.rmSync(dir, { recursive: true, force: true })
fs.cpSync(PGLITE_TEMPLATE, dir, { recursive: true })
const du = (p: string) => Number(execFileSync('du', ['-sb', p], { encoding: 'utf8' }).split('\t')[0])
const before = { base: du(path.join(dir, 'base')), wal: du(path.join(dir, 'pg_wal')) }

// CITYWIFI_MEASURE_DEFAULT_WAL=1: PostgreSQL's own WAL sizes, for comparison.
const conf = process.env.CITYWIFI_MEASURE_DEFAULT_WAL ? PGLITE_CONF.filter((c) => !c.includes('wal_size')) : PGLITE_CONF
const db = new PGlite(dir, { postgresqlconf: conf })
await db.waitReady
await db.exec(`
  INSERT INTO "Site" (name, "updatedAt") VALUES ('measure', now());
  INSERT INTO "AccessPoint" ("siteId", name, address, "secretEnc", "updatedAt") SELECT id, 'ap-measure', '10.0.0.1', 'x', now() FROM "Site";
`)
// A device comes back about 4 times: N/4 devices.
const started = Date.now()
const devices = Math.ceil(n / 4)
await db.exec(`INSERT INTO "Device" (mac) SELECT upper(regexp_replace(lpad(to_hex(i), 12, '0'), '(..)(?!$)', '\\1-', 'g')) FROM generate_series(1, ${devices}) i`)
const chunk = 50_000
for (let from = 1; from <= n; from += chunk) {
  const to = Math.min(n, from + chunk - 1)
  await db.exec(`
    INSERT INTO "Session" ("nasId", "siteId", "acctSessionId", username, method, "deviceId", "framedIp", "calledStation", "nasPort", "nasIp",
      "startedAt", "updatedAt", "stoppedAt", "sessionSeconds", "inputOctets", "outputOctets", "interimSeconds", "terminateCause", "closeReason")
    SELECT a.id, a."siteId", lpad(to_hex(i), 16, '0'), 'cw-' || lpad(to_hex(i), 12, '0'), 'click_through', 1 + (i % ${devices}),
      '10.1.' || (i % 250) || '.' || (i % 200), 'AA-BB-CC-00-11-22:CityWiFi', 'wlan1', '10.0.0.1',
      now() - (i || ' seconds')::interval, now(), now(), 1800, 25000000 + i, 180000000 + i, 300, 'User-Request', 'stop'
    FROM generate_series(${from}, ${to}) i, "AccessPoint" a`)
  await db.exec(`
    INSERT INTO "DeviceUsageDaily" ("deviceId", day, seconds, octets)
    SELECT 1 + (i % ${devices}), (now() - ((i / ${devices})::int || ' days')::interval)::date, 1800, 205000000
    FROM generate_series(${from}, ${to}) i ON CONFLICT DO NOTHING`)
}
const walBeforeCheckpoint = du(path.join(dir, 'pg_wal'))
await db.exec('VACUUM ANALYZE')
await db.exec('CHECKPOINT')
const after = { base: du(path.join(dir, 'base')), wal: du(path.join(dir, 'pg_wal')) }
const rel = await db.query<{ name: string; bytes: string }>(
  `SELECT relname AS name, pg_total_relation_size(oid)::text AS bytes FROM pg_class WHERE relname IN ('Session', 'Device', 'DeviceUsageDaily') ORDER BY 1`,
)
await db.close()
const mb = (b: number) => (b / 1048576).toFixed(1)
const perMillion = ((after.base - before.base) / n) * 1e6
console.log(`${n} sessions, ${devices} devices, written in ${((Date.now() - started) / 1000).toFixed(0)} s`)
console.log(`tables: ${rel.rows.map((r) => `${r.name} ${mb(Number(r.bytes))} MB`).join(', ')}`)
console.log(`data files (base/): ${mb(before.base)} -> ${mb(after.base)} MB; WAL (pg_wal/): ${mb(before.wal)} -> ${mb(after.wal)} MB`)
console.log(`WAL before the final CHECKPOINT: ${mb(walBeforeCheckpoint)} MB`)
console.log(`per million sessions: ${(perMillion / 1073741824).toFixed(2)} GiB of data files`)
fs.rmSync(dir, { recursive: true, force: true })
