// The embedded PostgreSQL (PGlite, in-process WebAssembly) under the data dir.
import fs from 'node:fs'
import path from 'node:path'
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { PGlite } from '@electric-sql/pglite'
import { PROJECT_ROOT, migrationsStamp } from './migrations.js'

// PostgreSQL's defaults size shared memory for a server with 100 connections
// and 128 MB of buffers; PGlite serves one process, and these settings take
// its resident memory from ~275 MiB to ~150 MiB with no loss for our load.
// PGlite has no background checkpointer, and was measured not to checkpoint
// by itself past max_wal_size either (208 MB of WAL after 200,000 sessions
// written, scripts/disk-per-sessions.ts): the owner process asks for a
// CHECKPOINT every minute (core/cli/run-services.ts). These two then bound
// what a checkpoint leaves for reuse: 32 MB at least (two 16 MB segments, the
// least PostgreSQL allows) and 64 MB at most, where PostgreSQL's defaults
// kept all 208 MB.
export const PGLITE_CONF = [
  'shared_buffers=16MB',
  'max_connections=8',
  'wal_buffers=1MB',
  'maintenance_work_mem=16MB',
  'TimeZone=UTC',
  'min_wal_size=32MB',
  'max_wal_size=64MB',
]

/** The disk under the data dir has no room for the database: one line for the operator, no stack. */
export class DiskFullError extends Error {
  override name = 'DiskFullError'
}

// Below this the database cannot even start a new 16 MB WAL segment.
export const MIN_FREE_BYTES = 16 * 1024 * 1024

/** Bytes free for this process under `dir` (or its nearest existing parent); undefined if unknown. */
export function freeBytes(dir: string): number | undefined {
  let d = path.resolve(dir)
  for (;;) {
    try {
      const st = fs.statfsSync(d)
      return st.bavail * st.bsize
    } catch {
      const up = path.dirname(d)
      if (up === d) return undefined
      d = up
    }
  }
}

function diskFull(dataDir: string, free: number): DiskFullError {
  const mb = (free / 1024 / 1024).toFixed(1)
  return new DiskFullError(
    `the disk holding the data dir ${dataDir} is full (${mb} MB free, the embedded database needs at least ${MIN_FREE_BYTES / 1024 / 1024} MB): free space there or move CITYWIFI_DATA_DIR, then start again`,
  )
}

/**
 * An empty database, initialised and migrated by `npm run build` (so at
 * install time): copying it takes a fraction of a second where initdb takes
 * five or more. Migrations it lacks are applied on top at start as usual.
 */
export const PGLITE_TEMPLATE = path.join(PROJECT_ROOT, 'dist', 'pglite-template')

/** The build's template, if it was made with the migrations this copy has (else a new database is initialised). */
function templateIsCurrent(): boolean {
  try {
    return fs.existsSync(path.join(PGLITE_TEMPLATE, 'PG_VERSION')) && fs.readFileSync(`${PGLITE_TEMPLATE}.migrations`, 'utf8') === migrationsStamp()
  } catch {
    return false
  }
}

export function pgdataDir(dataDir: string): string {
  return path.join(dataDir, 'pglite')
}

/** The Unix socket through which a running citywifi serves its database (psql -h <data dir>). */
export function socketPath(dataDir: string): string {
  return path.join(dataDir, '.s.PGSQL.5432')
}

function ownerOnly(p: string): void {
  const st = fs.lstatSync(p)
  if (st.isSymbolicLink()) return
  fs.chmodSync(p, st.mode & 0o700)
  if (st.isDirectory()) for (const name of fs.readdirSync(p)) ownerOnly(path.join(p, name))
}

function initialised(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'PG_VERSION'))
}

function initdbInChild(dir: string): Promise<void> {
  // Same extension as this file: .ts under tsx (tests), .js once compiled.
  const script = fileURLToPath(new URL(`./initdb-worker${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url))
  return new Promise((resolve, reject) => {
    const child = fork(script, [dir, JSON.stringify(PGLITE_CONF)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
    let stderr = ''
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    child.once('error', reject)
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`creating the embedded database failed (initdb exit ${code}): ${stderr.trim().slice(-500)}`)),
    )
  })
}

/**
 * Opens (creating if needed) the embedded database. A new database is made in
 * a side folder and renamed into place, so an interrupted first start leaves
 * no half-initialised data dir behind.
 */
/** Throws DiskFullError when the data dir's disk has no room left at all (before anything writes there: the lock, the key). */
export function checkDiskRoom(dataDir: string): void {
  const free = freeBytes(dataDir)
  if (free !== undefined && free < 1024 * 1024) throw diskFull(dataDir, free)
}

export async function openPglite(dataDir: string, onInit?: () => void): Promise<PGlite> {
  checkDiskRoom(dataDir)
  try {
    return await openPgliteDir(dataDir, onInit)
  } catch (err) {
    // PGlite says only "failed to initialize properly" when it cannot write:
    // the free space tells what happened.
    const free = freeBytes(dataDir)
    if ((err as NodeJS.ErrnoException).code === 'ENOSPC' || (free !== undefined && free < MIN_FREE_BYTES)) throw diskFull(dataDir, free ?? 0)
    throw err
  }
}

async function openPgliteDir(dataDir: string, onInit?: () => void): Promise<PGlite> {
  const dir = pgdataDir(dataDir)
  if (!initialised(dir)) {
    onInit?.()
    const tmp = `${dir}.init-${process.pid}`
    fs.rmSync(tmp, { recursive: true, force: true })
    fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o700 })
    if (templateIsCurrent()) {
      fs.cpSync(PGLITE_TEMPLATE, tmp, { recursive: true })
    } else {
      await initdbInChild(tmp)
    }
    // A copy keeps the template's modes whatever the umask: owner only, before it is renamed into use.
    ownerOnly(tmp)
    fs.rmSync(dir, { recursive: true, force: true })
    fs.renameSync(tmp, dir)
  }
  const db = new PGlite(dir, { postgresqlconf: PGLITE_CONF })
  await db.waitReady
  // PGlite's file system sets 0644 on files it (re)writes at start-up
  // (pg_internal.init) whatever the umask; the 0700 folders above keep others out regardless.
  ownerOnly(dir)
  return db
}
