// Applies prisma/migrations/*/migration.sql and records them in Prisma's own
// `_prisma_migrations` table (same columns, same sha256 checksums), so a host
// with the Prisma CLI sees the same history. Written here rather than run
// through Prisma's schema engine because that costs a second WebAssembly
// engine (time and memory) at every start for what is a short loop over files.
import { createHash, randomUUID } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

// The folder holding package.json: found by walking up, so that this works
// from the TypeScript sources and from the compiled dist/ alike.
function findProjectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  while (!fs.existsSync(path.join(dir, 'prisma', 'schema.prisma'))) {
    const up = path.dirname(dir)
    if (up === dir) throw new Error('cannot find prisma/schema.prisma above ' + fileURLToPath(import.meta.url))
    dir = up
  }
  return dir
}

export const PROJECT_ROOT = findProjectRoot()
export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, 'prisma', 'migrations')
export const SCHEMA_PATH = path.join(PROJECT_ROOT, 'prisma', 'schema.prisma')

// Any advisory-lock key will do as long as every copy uses the same one;
// this is the one Prisma's own engine uses, so the two never run at once.
const LOCK_KEY = 72707369

export interface Migration {
  name: string
  sql: string
  checksum: string
}

/** The one thing migrations need from a database: run SQL, get rows back. */
export interface SqlRunner {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>
  /** Several statements, no parameters. */
  exec(sql: string): Promise<void>
}

/** One line per migration, name and checksum: changes whenever the history does. */
export function migrationsStamp(migrations = readMigrations()): string {
  return migrations.map((m) => `${m.name} ${m.checksum}`).join('\n')
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8')
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') }
    })
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`

interface AppliedRow {
  migration_name: string
  checksum: string
}

async function appliedRows(db: SqlRunner): Promise<AppliedRow[] | undefined> {
  const exists = await db.query<{ t: string | null }>(`SELECT to_regclass('"_prisma_migrations"')::text AS t`)
  if (!exists[0]?.t) return undefined
  return db.query<AppliedRow>(
    `SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`,
  )
}

export interface MigrationStatus {
  applied: string[]
  pending: string[]
  /** In the database but not in this copy's folder: the database is newer than the code. */
  unknown: string[]
  /** Applied, but the file has changed since. */
  edited: string[]
}

export async function migrationStatus(db: SqlRunner, migrations = readMigrations()): Promise<MigrationStatus> {
  const rows = (await appliedRows(db)) ?? []
  const byName = new Map(rows.map((r) => [r.migration_name, r.checksum]))
  const known = new Set(migrations.map((m) => m.name))
  return {
    applied: rows.map((r) => r.migration_name),
    pending: migrations.filter((m) => !byName.has(m.name)).map((m) => m.name),
    unknown: rows.map((r) => r.migration_name).filter((n) => !known.has(n)),
    edited: migrations.filter((m) => byName.has(m.name) && byName.get(m.name) !== m.checksum).map((m) => m.name),
  }
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`

/** Applies what is pending, each migration in its own transaction; returns the names applied. */
export async function applyMigrations(db: SqlRunner, migrations = readMigrations()): Promise<string[]> {
  await db.query(`SELECT pg_advisory_lock(${LOCK_KEY})`)
  try {
    await db.exec(CREATE_TABLE)
    const status = await migrationStatus(db, migrations)
    if (status.unknown.length) {
      throw new Error(
        `the database has migrations this copy of citywifi does not know (${status.unknown.join(', ')}): it was migrated by a newer version`,
      )
    }
    if (status.edited.length) {
      throw new Error(
        `migration ${status.edited.join(', ')} changed after it was applied to this database: a released migration must never change (add a new one)`,
      )
    }
    const applied: string[] = []
    for (const m of migrations) {
      if (!status.pending.includes(m.name)) continue
      // One transaction per migration: a failing one leaves nothing half-done.
      await db.exec(
        `BEGIN;\n${m.sql}\n;INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count) ` +
          `VALUES (${quote(randomUUID())}, ${quote(m.checksum)}, now(), ${quote(m.name)}, 1);\nCOMMIT;`,
      ).catch(async (err) => {
        await db.exec('ROLLBACK').catch(() => {})
        throw new Error(`migration ${m.name} failed: ${(err as Error).message}`)
      })
      applied.push(m.name)
    }
    return applied
  } finally {
    await db.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`)
  }
}
