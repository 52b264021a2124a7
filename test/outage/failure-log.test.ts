// #12 item 6: a failure that repeats is logged once, then counted per
// interval, then its end is logged.
import { Writable } from 'node:stream'
import t from 'tap'
import { createLogger, FailureLog } from '../../core/logger.js'

function capture() {
  const lines: Record<string, unknown>[] = []
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>)
      done()
    },
  })
  return { lines, log: createLogger('info', stream) }
}

t.test('one line per kind per interval with a count, and a recovery line', async (t) => {
  const { lines, log } = capture()
  let now = 0
  const failures = new FailureLog(log, { intervalMs: 60_000, now: () => now })
  t.teardown(() => failures.stop())
  const err = new Error('connect ECONNREFUSED 127.0.0.1:5432')
  for (let i = 0; i < 1200; i++) failures.failed('accounting-commit', 'the database cannot take accounting', err)
  for (let i = 0; i < 30; i++) failures.failed('coa-round', 'CoA round failed', err)
  await new Promise((r) => setImmediate(r))
  t.equal(lines.length, 2, 'the first failure of each kind, in full')
  t.equal(lines[0]!.msg, 'the database cannot take accounting')
  t.ok(failures.failing('accounting-commit'))
  now = 60_000
  failures.flush()
  await new Promise((r) => setImmediate(r))
  t.equal(lines.length, 4, 'then one summary line per kind')
  const summary = lines.find((l) => l.kind === 'accounting-commit' && l.failures === 1199)
  t.ok(summary, 'with how many more failed')
  t.match(String(summary?.lastError), /ECONNREFUSED/)
  failures.flush()
  await new Promise((r) => setImmediate(r))
  t.equal(lines.length, 4, 'nothing new, no line')
  now = 90_000
  failures.recovered('accounting-commit', 'the database takes accounting again')
  failures.recovered('accounting-commit', 'twice')
  await new Promise((r) => setImmediate(r))
  t.equal(lines.length, 5, 'one recovery line')
  t.match(lines[4], { kind: 'accounting-commit', failures: 1200, seconds: 90, msg: 'the database cannot take accounting: the database takes accounting again' })
  t.notOk(failures.failing('accounting-commit'))
  failures.failed('accounting-commit', 'the database cannot take accounting', err)
  await new Promise((r) => setImmediate(r))
  t.equal(lines.length, 6, 'a new outage is logged again at once')
})
