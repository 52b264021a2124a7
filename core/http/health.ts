// Health for supervisors and load balancers (docs/deploy.md "Health"):
//   GET /healthz — alive: the process answers HTTP. 200 whatever the
//     database does (its state is in the body), so that a supervisor does
//     not restart a copy that is waiting out a database outage.
//   GET /readyz — can serve: the database answers AND can write (a write
//     rolled back; on the embedded database also a file written and synced
//     in the data dir, and room for the write-ahead log). 503 otherwise, so
//     that a load balancer sends people to a copy that can log them in.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { FastifyPluginAsync } from 'fastify'
import type { Database } from '../db/database.js'
import { MIN_FREE_BYTES, freeBytes } from '../db/embedded.js'

const CHECK_TIMEOUT_MS = 2000

const health = {
  type: 'object',
  required: ['status', 'database'],
  properties: {
    status: { type: 'string', enum: ['ok', 'unavailable'] },
    service: { type: 'string' },
    database: { type: 'string', enum: ['up', 'down'] },
  },
} as const

const ready = {
  type: 'object',
  required: ['status', 'database', 'writable'],
  properties: {
    status: { type: 'string', enum: ['ok', 'unavailable'] },
    service: { type: 'string' },
    database: { type: 'string', enum: ['up', 'down'] },
    writable: { type: 'boolean' },
    /** Why it cannot serve, for the person reading it. */
    reason: { type: 'string' },
    diskFreeBytes: { type: 'integer' },
  },
} as const

function withTimeout<T>(p: Promise<T>, fallback: T): Promise<T> {
  return Promise.race([p, new Promise<T>((r) => setTimeout(r, CHECK_TIMEOUT_MS, fallback).unref())])
}

/** A write that touches no data: an insert rolled back (into a table without a sequence, so no id is spent). */
async function writeProbe(db: Database): Promise<string | undefined> {
  const client = await db.pool.connect()
  try {
    await client.query('BEGIN')
    await client.query(`INSERT INTO "VoucherBatch" ("id", "count") VALUES ($1, 0)`, [`readyz-${crypto.randomUUID()}`])
    return undefined
  } catch (err) {
    return `the database refuses writes: ${(err as Error).message}`
  } finally {
    await client.query('ROLLBACK').catch(() => {})
    client.release()
  }
}

/** The embedded database writes files in the data dir: a small file written and synced there says whether it can. */
function diskProbe(dataDir: string): { reason?: string; free?: number } {
  const free = freeBytes(dataDir)
  if (free !== undefined && free < MIN_FREE_BYTES) {
    return { free, reason: `the disk holding ${dataDir} is full (${(free / 1048576).toFixed(1)} MB free, at least ${MIN_FREE_BYTES / 1048576} MB needed)` }
  }
  const file = path.join(dataDir, `.readyz-${process.pid}`)
  let fd: number | undefined
  try {
    fd = fs.openSync(file, 'w')
    fs.writeSync(fd, Buffer.alloc(8192))
    fs.fsyncSync(fd)
    return { free }
  } catch (err) {
    return { free, reason: `cannot write in ${dataDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
    fs.rmSync(file, { force: true })
  }
}

export interface Readiness {
  up: boolean
  writable: boolean
  reason?: string
  diskFreeBytes?: number
}

export async function readiness(db: Database): Promise<Readiness> {
  const disk = db.dataDir ? diskProbe(db.dataDir) : {}
  const up = await withTimeout(db.ping(), false)
  if (!up) return { up, writable: false, reason: 'the database does not answer', diskFreeBytes: disk.free }
  if (disk.reason) return { up, writable: false, reason: disk.reason, diskFreeBytes: disk.free }
  const refused = await withTimeout(writeProbe(db), 'the database did not finish a write in time')
  return { up, writable: !refused, reason: refused, diskFreeBytes: disk.free }
}

export const healthRoutes: FastifyPluginAsync<{ db: Database; service: string }> = async (app, { db, service }) => {
  app.get('/healthz', { schema: { response: { 200: health } }, logLevel: 'warn' }, async (_req, res) => {
    const up = await withTimeout(db.ping(), false)
    res.header('cache-control', 'no-store')
    return { status: 'ok', service, database: up ? 'up' : 'down' }
  })

  app.get('/readyz', { schema: { response: { 200: ready, 503: ready } }, logLevel: 'warn' }, async (_req, res) => {
    const r = await readiness(db)
    const ok = r.up && r.writable
    res.header('cache-control', 'no-store')
    return res.code(ok ? 200 : 503).send({
      status: ok ? 'ok' : 'unavailable',
      service,
      database: r.up ? 'up' : 'down',
      writable: r.writable,
      ...(r.reason ? { reason: r.reason } : {}),
      ...(r.diskFreeBytes !== undefined ? { diskFreeBytes: r.diskFreeBytes } : {}),
    })
  })
}
