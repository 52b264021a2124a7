// The embedded database's own thread: opens PGlite (creating it on a first
// start), applies migrations and serves it on the data dir's Unix socket
// (pglite-server.ts). PGlite is WebAssembly that runs to the end of each
// statement; on the service's thread every statement held RADIUS's event
// loop, so a Status-Server or a user the cache could answer at once waited
// behind a batch of first logins (tens of milliseconds). Here it holds only
// this thread's loop. The process's own pool reaches it through the socket
// like every other client, so nothing about sharing the one session changes.
//
// Messages to the parent: { type: 'init' } (a new database is being made),
// { type: 'listening', migrated }, { type: 'log', ... }, { type: 'error', ... }
// (it could not open), { type: 'stopped' }. From the parent: 'stop'.
import fs from 'node:fs'
import os from 'node:os'
import { parentPort, workerData } from 'node:worker_threads'
import type { PGlite } from '@electric-sql/pglite'
import type { Logger } from '../logger.js'
import { openPglite } from './embedded.js'
import { applyMigrations, readMigrations } from './migrations.js'
import { PgliteSocketServer } from './pglite-server.js'
import { pgliteRunner } from './runners.js'

export interface PgliteWorkerData {
  dataDir: string
  socket: string
  /** Nice value of this thread (CITYWIFI_PGLITE_NICE); 'idle': the opening thread sets it (thread-priority.ts). */
  nice: number | 'idle'
}

export type FromPgliteWorker =
  | { type: 'init' }
  | { type: 'listening'; migrated: string[] }
  | { type: 'log'; level: 'warn' | 'error'; msg: string; err?: { name: string; message: string; stack?: string } }
  | { type: 'error'; name: string; message: string; stack?: string }
  | { type: 'stopped' }

const port = parentPort!
const { dataDir, socket, nice } = workerData as PgliteWorkerData
const post = (m: FromPgliteWorker) => port.postMessage(m)

// The socket server's few log lines go to the parent's logger.
const relay = (level: 'warn' | 'error') => (obj: { err?: unknown }, msg: string) => {
  const e = obj?.err as Error | undefined
  post({ type: 'log', level, msg, err: e ? { name: e.name, message: e.message, stack: e.stack } : undefined })
}
const log = { warn: relay('warn'), error: relay('error') } as unknown as Logger

// Below the service's thread when both want the CPU (one core, or a busy
// machine): a datagram the cache can answer is answered at once, and the
// database's statements take the time left over. Linux only: a thread's own
// id (from /proc/thread-self) takes a nice value of its own.
try {
  const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop())
  if (nice !== 'idle' && Number.isInteger(tid) && tid !== process.pid) os.setPriority(tid, nice)
} catch {
  // Not Linux, or not allowed: same priority as the rest of the process.
}
// Named, so that `top -H` (and the benchmark's thread split) tells the
// database's CPU from RADIUS's: every thread of node is otherwise "node".
try {
  fs.writeFileSync('/proc/thread-self/comm', 'citywifi-db')
} catch {
  // Not Linux: the name is only a convenience.
}

let db: PGlite | undefined
let server: PgliteSocketServer | undefined

async function stop() {
  await server?.stop().catch(() => {})
  await db?.close().catch(() => {})
  fs.rmSync(socket, { force: true })
  post({ type: 'stopped' })
  port.close()
}

try {
  db = await openPglite(dataDir, () => post({ type: 'init' }))
  const migrated = await applyMigrations(pgliteRunner(db), readMigrations())
  // A socket left by a process that died is in the way of ours.
  fs.rmSync(socket, { force: true })
  server = new PgliteSocketServer(db, socket, log)
  await server.start()
  port.on('message', (m) => {
    if (m === 'stop') void stop()
  })
  post({ type: 'listening', migrated })
} catch (err) {
  await db?.close().catch(() => {})
  const e = err as Error
  post({ type: 'error', name: e.name, message: e.message, stack: e.stack })
  port.close()
}
