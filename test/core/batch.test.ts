// The first-login batches (core/auth/batch.ts): requests of one turn leave
// in one call, each gets its own answer, a failure fails its batch only, and
// no more calls are out than allowed.
import t from 'tap'
import { Batcher } from '../../core/auth/batch.js'

const turn = () => new Promise<void>((resolve) => setImmediate(resolve))

t.test('the keys added in one turn go in one call, and each gets its own value', async (t) => {
  const calls: number[][] = []
  const b = new Batcher<number, string>(async (keys) => {
    calls.push(keys)
    return keys.map((k) => `v${k}`)
  })
  const answers = await Promise.all([1, 2, 3].map((k) => b.add(k)))
  t.same(answers, ['v1', 'v2', 'v3'])
  t.same(calls, [[1, 2, 3]])
  t.equal(b.batches, 1)
  t.equal(b.items, 3)
})

t.test('a failed call fails every key in it, and the next batch still goes', async (t) => {
  let fail = true
  const b = new Batcher<number, number>(async (keys) => {
    if (fail) throw new Error('database away')
    return keys
  })
  const failed = await Promise.allSettled([b.add(1), b.add(2)])
  t.same(
    failed.map((r) => r.status),
    ['rejected', 'rejected'],
  )
  fail = false
  t.equal(await b.add(3), 3)
})

t.test('no more than maxInFlight calls are out; the rest leave together when one returns', async (t) => {
  const release: (() => void)[] = []
  const calls: number[][] = []
  const b = new Batcher<number, number>(
    (keys) => {
      calls.push(keys)
      return new Promise((resolve) => release.push(() => resolve(keys)))
    },
    { maxInFlight: 1 },
  )
  const first = b.add(1)
  await turn()
  const later = [b.add(2), b.add(3)]
  await turn()
  await turn()
  t.same(calls, [[1]], 'the second batch waits for the first')
  release.shift()!()
  t.equal(await first, 1)
  // The freed slot is seen once the call has settled, and the batch leaves a turn after that.
  await turn()
  await turn()
  t.same(calls, [[1], [2, 3]], 'what waited leaves in one call')
  release.shift()!()
  t.same(await Promise.all(later), [2, 3])
})
