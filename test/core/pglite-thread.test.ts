// The embedded database runs in a thread of its own: a long statement does
// not hold the event loop of the process that opened it (RADIUS answers
// Status-Server and cached users meanwhile), and close() ends the thread and
// gives the data dir back.
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { loadConfig, type Config } from '../../core/config.js'
import { openDatabase } from '../../core/db/database.js'
import { lockFile } from '../../core/db/lock.js'
import { otherThreads, SCHED_IDLE, threadPolicy } from '../../core/db/thread-priority.js'
import type { Logger } from '../../core/logger.js'
import { tempDataDir } from '../helpers/databases.js'

t.test('a long statement leaves the opening thread free', async (t) => {
  const dataDir = tempDataDir()
  t.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  const config = { dataDir, databaseUrl: undefined, pgliteNice: 10 } as unknown as Config
  const db = await openDatabase(config, { role: 'owner' })
  let closed = false
  t.teardown(() => (closed ? undefined : db.close()))
  t.ok(fs.existsSync(lockFile(dataDir)), 'the data dir is locked by this process')

  // The longest gap between timer ticks of this thread while PGlite works.
  let last = performance.now()
  let longest = 0
  let ticks = 0
  const timer = setInterval(() => {
    const now = performance.now()
    longest = Math.max(longest, now - last)
    last = now
    ticks++
  }, 2)
  const started = performance.now()
  const { rows } = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM generate_series(1, 3000000) g, LATERAL (SELECT md5(g::text)) m')
  const took = performance.now() - started
  clearInterval(timer)
  t.equal(rows[0]!.n, '3000000')
  t.ok(took > 200, `the statement took a while (${took.toFixed(0)} ms)`)
  t.ok(longest < took / 4, `this thread kept ticking: longest gap ${longest.toFixed(1)} ms during ${took.toFixed(0)} ms (${ticks} ticks)`)

  await db.close()
  closed = true
  t.notOk(fs.existsSync(lockFile(dataDir)), 'close() gives the data dir back')
  t.notOk(fs.existsSync(path.join(dataDir, '.s.PGSQL.5432')), 'and removes the socket')
  const again = await openDatabase(config, { role: 'owner' })
  t.equal((await again.pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one, 1, 'it opens again after close()')
  await again.close()
})

// CITYWIFI_PGLITE_NICE=idle (the default): the database's thread and V8's
// helpers run only when this thread does not want the core, and this thread
// keeps its own policy (an unprivileged thread could not come back from idle).
t.test('idle: every thread but the opening one yields the core to it', { skip: process.platform !== 'linux' && 'scheduling policies are read from /proc (Linux)' }, async (t) => {
  const dataDir = tempDataDir()
  t.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  const warnings: unknown[] = []
  const log = { warn: (o: unknown) => warnings.push(o), error: () => {}, info: () => {}, debug: () => {} } as unknown as Logger
  const config = { dataDir, databaseUrl: undefined, pgliteNice: 'idle' } as unknown as Config
  // V8's helpers are there from the start; threads this thread starts later keep its policy.
  const before = otherThreads()
  const db = await openDatabase(config, { role: 'owner', log })
  t.teardown(() => db.close())
  t.same(warnings, [], 'chrt was found and allowed')
  const names = new Map(otherThreads().map((tid) => [tid, fs.readFileSync(`/proc/self/task/${tid}/comm`, 'latin1').trim()]))
  const dbThread = [...names].find(([, name]) => name === 'citywifi-db')?.[0]
  t.ok(dbThread, `the database's thread is named (threads: ${[...names.values()].join(', ')})`)
  t.equal(threadPolicy(dbThread!), SCHED_IDLE, "the database's thread is SCHED_IDLE")
  const helpers = before.filter((tid) => tid !== dbThread)
  t.ok(helpers.length >= 1, `V8 helper threads were there before (${helpers.length})`)
  t.same(
    helpers.map((tid) => [tid, threadPolicy(tid)]).filter(([, p]) => p !== undefined && p !== SCHED_IDLE),
    [],
    'and every thread that was there before is SCHED_IDLE now',
  )
  t.equal(threadPolicy(process.pid), 0, 'the opening thread keeps SCHED_OTHER')
  t.equal((await db.pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one, 1, 'and the database answers')
})

t.test('CITYWIFI_PGLITE_NICE: idle by default, or a nice value', async (t) => {
  t.equal(loadConfig({}).pgliteNice, 'idle')
  t.equal(loadConfig({ CITYWIFI_PGLITE_NICE: '10' }).pgliteNice, 10)
  t.equal(loadConfig({ CITYWIFI_PGLITE_NICE: '-5' }).pgliteNice, -5)
  t.throws(() => loadConfig({ CITYWIFI_PGLITE_NICE: '20' }), { message: /CITYWIFI_PGLITE_NICE="20" is not valid: expected idle, or a nice value from -20 to 19/ })
  t.throws(() => loadConfig({ CITYWIFI_PGLITE_NICE: 'low' }), { message: /CITYWIFI_PGLITE_NICE="low" is not valid/ })
})
