// When the RADIUS service folds: at every tick while folds are quick, and
// while they are slow (accounting busy) twenty times their time apart, never
// more than FOLD_MAX_WAIT_MS (how late the figures may be).
import t from 'tap'
import { FOLD_MAX_WAIT_MS, FoldPacer } from '../../core/stats/fold.js'

t.test('the fold pacer', async (t) => {
  let now = 1_000
  const pacer = new FoldPacer(() => now)
  t.ok(pacer.due(), 'the first fold runs at once')

  pacer.ran(now, 40)
  now += 799
  t.notOk(pacer.due(), 'a fold of 40 ms: not again within 800 ms')
  now += 1
  t.ok(pacer.due(), 'a fold of 40 ms: again after 800 ms (the next tick)')

  pacer.ran(now, 1_500)
  now += 29_999
  t.notOk(pacer.due(), 'a fold of 1.5 s: not again within 30 s')
  now += 1
  t.ok(pacer.due(), 'a fold of 1.5 s: again after 30 s')

  pacer.ran(now, 20_000)
  now += FOLD_MAX_WAIT_MS - 1
  t.notOk(pacer.due(), 'a fold of 20 s: not within the longest wait')
  now += 1
  t.ok(pacer.due(), 'a fold of 20 s: again after the longest wait, not after 400 s')
  t.equal(FOLD_MAX_WAIT_MS, 120_000, 'docs/data.md says the figures are about two and a half minutes late at most')
})
