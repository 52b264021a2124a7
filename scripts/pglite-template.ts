// Part of `npm run build`: makes dist/pglite-template, an initialised empty
// embedded database that a first start copies instead of running initdb.
import fs from 'node:fs'
import path from 'node:path'
import { PGLITE_TEMPLATE, openPglite, pgdataDir } from '../core/db/embedded.js'

if (fs.existsSync(path.join(PGLITE_TEMPLATE, 'PG_VERSION'))) process.exit(0)
const t0 = Date.now()
const work = `${PGLITE_TEMPLATE}.build-${process.pid}`
fs.rmSync(work, { recursive: true, force: true })
const db = await openPglite(work)
await db.close()
fs.renameSync(pgdataDir(work), PGLITE_TEMPLATE)
fs.rmSync(work, { recursive: true, force: true })
console.log(`made ${path.relative(process.cwd(), PGLITE_TEMPLATE)} in ${Date.now() - t0} ms`)
