// #12 "several copies": two citywifi processes on one PostgreSQL run each
// periodic job once per period between them (core/db/lease.ts), and the
// lease also holds on the embedded database for the one copy there.
import { spawn } from 'node:child_process'
import path from 'node:path'
import t from 'tap'
import { PROJECT_ROOT } from '../../core/db/migrations.js'
import { freshDatabase } from '../helpers/databases.js'

const JOB_MS = 300
const RUN_MS = 6000

function copy(env: Record<string, string>): Promise<Record<string, number[]>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'test/outage/copy.ts')], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LISTEN_HOST: '127.0.0.1', RADIUS_AUTH_PORT: '0', RADIUS_ACCT_PORT: '0', LOG_LEVEL: 'warn', COPY_JOB_MS: String(JOB_MS), COPY_RUN_MS: String(RUN_MS), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!) as Record<string, number[]>) : reject(new Error(`copy exited ${code}: ${err}`))))
  })
}

t.test('two copies on one PostgreSQL run each job once per period', async (t) => {
  const db = await freshDatabase('postgres')
  t.teardown(() => db.drop())
  const [a, b] = await Promise.all([copy({ ...db.env, CITYWIFI_DATA_DIR: `${db.dataDir}/a` }), copy({ ...db.env, CITYWIFI_DATA_DIR: `${db.dataDir}/b` })])
  for (const job of ['stale-sessions']) {
    const slots = [...(a[job] ?? []), ...(b[job] ?? [])].sort((x, y) => x - y)
    const distinct = new Set(slots)
    t.equal(distinct.size, slots.length, `${job}: no period ran twice (${a[job]?.length ?? 0} + ${b[job]?.length ?? 0} runs)`)
    const span = slots.length ? slots.at(-1)! - slots[0]! + 1 : 0
    // Each copy ticks every period, at its own phase: nearly every period is taken by one of them.
    t.ok(slots.length >= span * 0.8 && span >= (RUN_MS / JOB_MS) * 0.5, `${job}: ran in ${slots.length} of ${span} periods`)
  }
  t.equal((a['working-data-purge']?.length ?? 0) + (b['working-data-purge']?.length ?? 0), 1, 'the hourly purge ran once between them')
})
