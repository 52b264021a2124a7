// Run once by tap before any test file (package.json "tap.before"): builds
// the migrated database templates that databases.ts copies.
import fs from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import { openPglite } from '../../core/db/embedded.js'
import { applyMigrations } from '../../core/db/migrations.js'
import { pgliteRunner, pgRunner } from '../../core/db/runners.js'
import { PGLITE_TEMPLATE, PG_TEMPLATE_DB, TEST_DATABASE_URL, dbKinds, withDatabase } from './databases.js'

const t0 = Date.now()
if (dbKinds().includes('embedded') && !fs.existsSync(path.join(PGLITE_TEMPLATE, 'PG_VERSION'))) {
  const work = `${PGLITE_TEMPLATE}.build-${process.pid}`
  fs.rmSync(work, { recursive: true, force: true })
  const db = await openPglite(work)
  await applyMigrations(pgliteRunner(db))
  await db.close()
  // openPglite puts the cluster in <dir>/pglite; the template is that folder.
  // Another suite running at the same time may have finished first: theirs is as good.
  try {
    fs.renameSync(path.join(work, 'pglite'), PGLITE_TEMPLATE)
  } catch (err) {
    if (!fs.existsSync(path.join(PGLITE_TEMPLATE, 'PG_VERSION'))) throw err
  }
  fs.rmSync(work, { recursive: true, force: true })
  // Old templates of earlier migration sets.
  for (const f of fs.readdirSync(path.dirname(PGLITE_TEMPLATE))) {
    const full = path.join(path.dirname(PGLITE_TEMPLATE), f)
    if (f.startsWith('pglite-template-') && full !== PGLITE_TEMPLATE) fs.rmSync(full, { recursive: true, force: true })
  }
}

if (dbKinds().includes('postgres')) {
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await admin.connect().catch((err: Error) => {
    console.error(`PostgreSQL is not reachable at ${TEST_DATABASE_URL} (${err.message}): start it, set TEST_DATABASE_URL, or run CITYWIFI_TEST_DB=embedded npm test`)
    process.exit(1)
  })
  // Suites may start together (several developers, CI): one builds, the others wait.
  await admin.query('SELECT pg_advisory_lock(4242001)')
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [PG_TEMPLATE_DB])
  if (!exists.rowCount) {
    const building = `${PG_TEMPLATE_DB}_build`
    await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`)
    await admin.query(`CREATE DATABASE ${building}`)
    const c = new pg.Client({ connectionString: withDatabase(TEST_DATABASE_URL, building) })
    await c.connect()
    await applyMigrations(pgRunner(c))
    await c.end()
    await admin.query(`ALTER DATABASE ${building} RENAME TO ${PG_TEMPLATE_DB}`)
  }
  await admin.query('SELECT pg_advisory_unlock(4242001)')
  await admin.end()
}
console.log(`# test databases ready in ${Date.now() - t0} ms`)
