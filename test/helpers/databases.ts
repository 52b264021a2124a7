// Fresh databases for tests, without paying PostgreSQL's initdb each time:
// a migrated template is made once per run (test/helpers/before.ts) and each
// test copies it, a folder copy for PGlite and CREATE DATABASE … TEMPLATE for
// PostgreSQL.
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { pgdataDir } from '../../core/db/embedded.js'
import { PROJECT_ROOT, readMigrations } from '../../core/db/migrations.js'

export type DbKind = 'embedded' | 'postgres'

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/test'

/** Which databases the suite runs on: CITYWIFI_TEST_DB=embedded|postgres|both (default both). */
export function dbKinds(): DbKind[] {
  const v = process.env.CITYWIFI_TEST_DB ?? 'both'
  if (v === 'embedded' || v === 'postgres') return [v]
  return ['embedded', 'postgres']
}

/** Names the templates after the migrations, so a new migration gets a new template. */
export function templateKey(): string {
  const h = createHash('sha256')
  for (const m of readMigrations()) h.update(m.name).update(m.checksum)
  return h.digest('hex').slice(0, 12)
}

export const PGLITE_TEMPLATE = path.join(PROJECT_ROOT, '.tmp', `pglite-template-${templateKey()}`)
export const PG_TEMPLATE_DB = `citywifi_tpl_${templateKey()}`

export function withDatabase(url: string, name: string): string {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

export interface TestDatabase {
  kind: DbKind
  /** Environment for citywifi: CITYWIFI_DATA_DIR, and DATABASE_URL for PostgreSQL. */
  env: Record<string, string>
  dataDir: string
  url?: string
  drop(): Promise<void>
}

/** A short temp dir: the database socket path inside it must stay under 107 bytes. */
export function tempDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'cw-'))
}

export async function freshDatabase(kind: DbKind): Promise<TestDatabase> {
  const dataDir = tempDataDir()
  if (kind === 'embedded') {
    if (!fs.existsSync(path.join(PGLITE_TEMPLATE, 'PG_VERSION'))) {
      throw new Error(`the PGlite template ${PGLITE_TEMPLATE} is missing: tap runs test/helpers/before.ts first; run the suite with \`npm test\``)
    }
    fs.cpSync(PGLITE_TEMPLATE, pgdataDir(dataDir), { recursive: true })
    return {
      kind,
      env: { CITYWIFI_DATA_DIR: dataDir },
      dataDir,
      async drop() {
        fs.rmSync(dataDir, { recursive: true, force: true })
      },
    }
  }
  const name = `citywifi_t_${randomBytes(5).toString('hex')}`
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await admin.connect().catch((err: Error) => {
    throw new Error(`PostgreSQL is not reachable at ${TEST_DATABASE_URL} (${err.message}): start it, set TEST_DATABASE_URL, or run CITYWIFI_TEST_DB=embedded npm test`)
  })
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${PG_TEMPLATE_DB}`)
  } finally {
    await admin.end()
  }
  const url = withDatabase(TEST_DATABASE_URL, name)
  return {
    kind,
    env: { CITYWIFI_DATA_DIR: dataDir, DATABASE_URL: url },
    dataDir,
    url,
    async drop() {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL })
      await c.connect()
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await c.end()
      fs.rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
