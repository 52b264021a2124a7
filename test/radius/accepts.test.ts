// The accepted-login log keeps its times relative to when it was loaded (so
// that they stay small integers); what it answers must still be the epoch
// milliseconds it was given.
import t from 'tap'
import { AcceptLog } from '../../radius/accepts.js'

const DAY = 24 * 3600_000

t.test('a login is found with the time, method and voucher it was remembered with', async (t) => {
  const log = new AcceptLog()
  const at = Date.now() - 5_000
  log.remember(1, 'ABCDE12345', 'AA-BB-CC-00-11-22', 'voucher', 7, 9, at)
  const found = log.find(1, 'ABCDE12345', 'AA-BB-CC-00-11-22', at + 1_000)
  t.equal(found?.at, at)
  t.equal(found?.method, 'voucher')
  t.equal(found?.voucherId, 7)
  t.equal(found?.deviceId, 9)
  t.equal(log.find(2, 'ABCDE12345', 'AA-BB-CC-00-11-22', at), undefined, 'another NAS')
  t.equal(log.find(1, 'ABCDE12345', 'AA-BB-CC-00-11-33', at), undefined, 'another device')
})

t.test('a login older than a day is not found; remembering it again renews it', async (t) => {
  const log = new AcceptLog()
  const at = Date.UTC(2026, 10, 1)
  log.remember(1, 'u', null, 'otp', null, 3, at)
  t.ok(log.find(1, 'u', undefined, at + DAY - 1))
  t.equal(log.find(1, 'u', undefined, at + DAY), undefined)
  log.remember(1, 'u', null, 'otp', null, 3, at + DAY)
  t.equal(log.find(1, 'u', undefined, at + DAY)?.at, at + DAY)
})

t.test('times before the module was loaded and far after it come back exactly', async (t) => {
  const log = new AcceptLog()
  for (const at of [0, Date.UTC(2020, 0, 1, 0, 0, 0, 1), Date.now() + 40 * DAY + 0.5]) {
    log.remember(1, `n${at}`, '', 'mac', null, 1, at)
    t.equal(log.find(1, `n${at}`, '', at)?.at, at, String(at))
  }
})

t.test('the other workers are told of new logins with their times', async (t) => {
  const log = new AcceptLog()
  t.same(log.takeNew(), [], 'tracking starts')
  const at = Date.now()
  log.remember(4, 'v', 'AA-BB-CC-00-11-22', 'voucher', 1, 2, at)
  log.remember(4, 'v', 'AA-BB-CC-00-11-22', 'voucher', 1, 2, at + 10)
  log.remember(5, 'w', 'AA-BB-CC-00-11-23', 'voucher', 1, 3, at, false)
  t.same(log.takeNew(), [[4, 'v', 'AA-BB-CC-00-11-22', 'voucher', 1, 2, at + 10]], 'once, with its latest time; unshared ones not at all')
  t.same(log.takeNew(), [])
})
