// The embedded database's socket server under concurrent clients: extended
// protocol exchanges never interleave, a transaction keeps the session to
// itself, and a client that leaves mid-transaction is rolled back.
import fs from 'node:fs'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import t from 'tap'
import { PGLITE_CONF } from '../../core/db/embedded.js'
import { PgliteSocketServer } from '../../core/db/pglite-server.js'
import { PGLITE_TEMPLATE, tempDataDir } from '../helpers/databases.js'

t.test('many clients share one PGlite safely', async (t) => {
  const dir = tempDataDir()
  fs.cpSync(PGLITE_TEMPLATE, path.join(dir, 'pg'), { recursive: true })
  const db = new PGlite(path.join(dir, 'pg'), { postgresqlconf: PGLITE_CONF })
  await db.waitReady
  const server = new PgliteSocketServer(db, path.join(dir, '.s.PGSQL.5432'))
  await server.start()
  t.teardown(async () => {
    await server.stop()
    await db.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })
  const pool = new pg.Pool({ host: dir, user: 'postgres', database: 'postgres', max: 8 })
  t.teardown(() => pool.end())
  await pool.query('CREATE TABLE counter (id int PRIMARY KEY, n int); INSERT INTO counter VALUES (1, 0); CREATE TABLE ev (who text, v int)')

  t.test('parameterised queries from 8 connections at once', async (t) => {
    const results = await Promise.all(
      Array.from({ length: 2000 }, (_, i) => pool.query<{ a: number; b: string }>('SELECT $1::int AS a, $2::text AS b', [i, `v${i}`]).then((r) => r.rows[0]!)),
    )
    t.ok(results.every((r, i) => r.a === i && r.b === `v${i}`), 'every answer belongs to its question')
  })

  t.test('a large result arrives whole (its chunks are copied out of PGlite before the next one)', async (t) => {
    const concurrent = await Promise.all(
      [0, 1, 2].map(() => pool.query<{ g: number; pad: string }>("SELECT g, repeat('x', 100) AS pad FROM generate_series(1, 20000) AS g")),
    )
    for (const r of concurrent) {
      t.equal(r.rows.length, 20000)
      t.ok(r.rows.every((row, i) => row.g === i + 1 && row.pad.length === 100), 'every row intact')
    }
  })

  t.test('transactions from several connections do not mix', async (t) => {
    await Promise.all(
      Array.from({ length: 6 }, async (_, w) => {
        for (let i = 0; i < 50; i++) {
          const c = await pool.connect()
          try {
            await c.query('BEGIN')
            const r = await c.query<{ n: number }>('SELECT n FROM counter WHERE id = $1 FOR UPDATE', [1])
            await c.query('UPDATE counter SET n = $1 WHERE id = $2', [r.rows[0]!.n + 1, 1])
            await c.query('INSERT INTO ev VALUES ($1, $2)', [`w${w}`, i])
            await c.query(i % 10 === 0 ? 'ROLLBACK' : 'COMMIT')
          } finally {
            c.release()
          }
        }
      }),
    )
    const n = (await pool.query<{ n: number }>('SELECT n FROM counter')).rows[0]!.n
    t.equal(n, 6 * 45, 'no lost update, rolled-back ones undone')
    t.equal(Number((await pool.query('SELECT count(*) FROM ev')).rows[0].count), 6 * 45)
  })

  t.test("a statement from another client never lands in someone's open transaction", async (t) => {
    await pool.query('DELETE FROM ev')
    const a = await pool.connect()
    await a.query('BEGIN')
    await a.query("INSERT INTO ev VALUES ('a', 1)")
    const other = pool.query("INSERT INTO ev VALUES ('b', 2)")
    await new Promise((r) => setTimeout(r, 200))
    await a.query('ROLLBACK')
    a.release()
    await other
    const rows = (await pool.query<{ who: string }>('SELECT who FROM ev')).rows.map((r) => r.who)
    t.same(rows, ['b'], "b's insert waited for a's transaction and was not rolled back with it")
  })

  t.test('a client that disconnects inside a transaction is rolled back', async (t) => {
    await pool.query('DELETE FROM ev')
    const lone = new pg.Client({ host: dir, user: 'postgres', database: 'postgres' })
    lone.on('error', () => {})
    await lone.connect()
    await lone.query('BEGIN')
    await lone.query("INSERT INTO ev VALUES ('gone', 1)")
    const waiting = pool.query("INSERT INTO ev VALUES ('after', 1)")
    await new Promise((r) => setTimeout(r, 100))
    ;(lone as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy()
    await waiting
    const rows = (await pool.query<{ who: string }>('SELECT who FROM ev')).rows.map((r) => r.who)
    t.same(rows, ['after'], 'the abandoned insert is gone, the waiting one ran')
  })
})
