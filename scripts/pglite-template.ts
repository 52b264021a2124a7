// Part of `npm run build`: makes dist/pglite-template, an initialised and
// migrated empty embedded database that a first start copies instead of
// running initdb (~5 s) and the migrations in its own process (whose
// memory PGlite never gives back).
import fs from 'node:fs'
import path from 'node:path'
import { PGLITE_TEMPLATE, openPglite, pgdataDir } from '../core/db/embedded.js'
import { applyMigrations, migrationsStamp } from '../core/db/migrations.js'
import { pgliteRunner } from '../core/db/runners.js'

// Remade when the migrations change; a start applies whatever the copy lacks anyway.
const stamp = migrationsStamp()
const stampFile = `${PGLITE_TEMPLATE}.migrations`
if (fs.existsSync(path.join(PGLITE_TEMPLATE, 'PG_VERSION')) && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp) process.exit(0)

const t0 = Date.now()
const work = `${PGLITE_TEMPLATE}.build-${process.pid}`
fs.rmSync(work, { recursive: true, force: true })
// Not from an older template: initdb afresh.
fs.rmSync(PGLITE_TEMPLATE, { recursive: true, force: true })
const db = await openPglite(work)
const applied = await applyMigrations(pgliteRunner(db))
await db.close()
fs.renameSync(pgdataDir(work), PGLITE_TEMPLATE)
fs.rmSync(work, { recursive: true, force: true })
fs.writeFileSync(stampFile, stamp)
console.log(`made ${path.relative(process.cwd(), PGLITE_TEMPLATE)} (${applied.length} migrations) in ${Date.now() - t0} ms`)
