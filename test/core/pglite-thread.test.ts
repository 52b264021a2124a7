// The embedded database runs in a thread of its own: a long statement does
// not hold the event loop of the process that opened it (RADIUS answers
// Status-Server and cached users meanwhile), and close() ends the thread and
// gives the data dir back.
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import type { Config } from '../../core/config.js'
import { openDatabase } from '../../core/db/database.js'
import { lockFile } from '../../core/db/lock.js'
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
