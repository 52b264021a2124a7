// Drift between the migration history and prisma/schema.prisma, checked on a
// real PostgreSQL: one scratch database gets the migrations, another gets the
// SQL Prisma's schema engine writes for schema.prisma from nothing, and their
// catalogs (tables, columns, types, defaults, indexes, constraints, enums)
// must be identical. The engine's own "diff against a live database" cannot
// be used there: adapter-pg cannot read the catalog's "char" columns.
import { randomBytes } from 'node:crypto'
import { PGlite } from '@electric-sql/pglite'
import { PrismaPGlite } from 'pglite-prisma-adapter'
import pg from 'pg'
import { MIGRATIONS_DIR, applyMigrations, readMigrations, type Migration } from './migrations.js'
import { pgRunner } from './runners.js'
import { NO_FILTERS, openSchemaEngine, schemaFiles } from './schema-engine.js'
import path from 'node:path'

function migrationsList(migrations: Migration[]) {
  return {
    baseDir: MIGRATIONS_DIR,
    lockfile: { path: path.join(MIGRATIONS_DIR, 'migration_lock.toml'), content: 'provider = "postgresql"\n' },
    shadowDbInitScript: '',
    migrationDirectories: migrations.map((m) => ({
      path: m.name,
      migrationFile: { path: 'migration.sql', content: { tag: 'ok' as const, value: m.sql } },
    })),
  }
}

/**
 * The SQL that takes the database the migrations make to schema.prisma ("" when
 * there is nothing to do). The engine replays the migrations in an in-memory
 * PGlite, so this needs no server; used to write a new migration.
 */
export async function nextMigrationSql(migrations: Migration[] = readMigrations()): Promise<string> {
  const shadowHost = new PGlite()
  const { engine, explain } = await openSchemaEngine(new PrismaPGlite(shadowHost))
  try {
    const from = migrations.length ? { tag: 'migrations' as const, ...migrationsList(migrations) } : { tag: 'empty' as const }
    const result = await engine
      .diff({ from, to: { tag: 'schemaDatamodel', ...schemaFiles() }, script: true, exitCode: true, filters: NO_FILTERS })
      .catch((err: unknown) => {
        throw explain(err)
      })
    return (result.stdout ?? '').replace(/^-- This is an empty migration\.\s*$/m, '').trim()
  } finally {
    engine.free()
    await shadowHost.close()
  }
}

// Everything about the public schema that a migration can change, one line
// per fact, sorted, so that two databases can be compared line by line.
const CATALOG_QUERIES = [
  `SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || coalesce('(' || character_maximum_length || ')', '')
     || coalesce(' ' || udt_name, '') || ' null=' || is_nullable || ' default=' || coalesce(column_default, '-') AS line
   FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
  `SELECT 'index ' || indexname || ' ' || indexdef AS line FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'`,
  `SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS line
   FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text NOT IN ('_prisma_migrations', '"_prisma_migrations"')`,
  `SELECT 'enum ' || t.typname || ' ' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) AS line
   FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid WHERE t.typnamespace = 'public'::regnamespace GROUP BY t.typname`,
]

export async function catalogSnapshot(client: pg.ClientBase): Promise<string[]> {
  const lines: string[] = []
  for (const q of CATALOG_QUERIES) lines.push(...(await client.query<{ line: string }>(q)).rows.map((r) => r.line))
  return lines.sort()
}

export interface DriftResult {
  inSync: boolean
  /** Lines only the migrated database has ("- …") or only the schema's has ("+ …"). */
  differences: string[]
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

async function scratch<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const name = `citywifi_drift_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: adminUrl })
  // A lost connection fails the statement under way; the event itself must not end the process.
  admin.on('error', () => {})
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name}`)
    const client = new pg.Client({ connectionString: withDatabase(adminUrl, name) })
    client.on('error', () => {})
    await client.connect()
    try {
      return await fn(client)
    } finally {
      await client.end()
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.end()
  }
}

export async function migrationsDrift(adminUrl: string, migrations: Migration[] = readMigrations()): Promise<DriftResult> {
  const fromSchema = await nextMigrationSql([])
  const migrated = await scratch(adminUrl, async (c) => {
    await applyMigrations(pgRunner(c), migrations)
    return catalogSnapshot(c)
  })
  const wanted = await scratch(adminUrl, async (c) => {
    await c.query(fromSchema)
    return catalogSnapshot(c)
  })
  const a = new Set(migrated)
  const b = new Set(wanted)
  const differences = [...migrated.filter((l) => !b.has(l)).map((l) => `- ${l}`), ...wanted.filter((l) => !a.has(l)).map((l) => `+ ${l}`)]
  return { inSync: differences.length === 0, differences }
}
