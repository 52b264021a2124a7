// RFC 5080 §2.2.2 duplicate detection, on its own: what check() and settle()
// decide for retransmissions and for Identifiers reused by new requests.
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { DuplicateCache } from '../../radius/duplicates.js'

function request(identifier: number): Buffer {
  const p = Buffer.alloc(20)
  p[0] = 1
  p[1] = identifier
  p.writeUInt16BE(20, 2)
  randomBytes(16).copy(p, 4)
  return p
}

t.test('a retransmission gets the reply sent; one in progress is dropped', async (t) => {
  const d = new DuplicateCache(30_000)
  t.teardown(() => d.close())
  const a = request(7)
  t.equal(d.check('192.0.2.1', 2000, a, 0), undefined, 'new: to be handled')
  t.equal(d.check('192.0.2.1', 2000, Buffer.from(a), 10), null, 'the same again while in progress: dropped')
  const reply = Buffer.from('reply')
  d.settle('192.0.2.1', 2000, a, reply, 20)
  t.same(d.check('192.0.2.1', 2000, Buffer.from(a), 30), reply, 'after the reply: the same reply again')
  t.equal(d.check('192.0.2.1', 2000, a, 20 + 30_001), undefined, 'past the window: handled anew')
})

t.test('an Identifier reused by a new request starts again; the old request settling late does not touch it', async (t) => {
  const d = new DuplicateCache(30_000)
  t.teardown(() => d.close())
  const a = request(9)
  const b = request(9)
  t.equal(d.check('192.0.2.1', 2000, a, 0), undefined)
  t.equal(d.check('192.0.2.1', 2000, b, 5), undefined, 'another authenticator under the same Identifier: a new request')
  d.settle('192.0.2.1', 2000, a, Buffer.from('reply to a'), 10)
  t.equal(d.check('192.0.2.1', 2000, Buffer.from(b), 15), null, "b is still in progress: a's reply is not b's")
  d.settle('192.0.2.1', 2000, a, null, 16)
  t.equal(d.check('192.0.2.1', 2000, Buffer.from(b), 17), null, 'a dropped late does not forget b')
  const replyB = Buffer.from('reply to b')
  d.settle('192.0.2.1', 2000, b, replyB, 20)
  t.same(d.check('192.0.2.1', 2000, Buffer.from(b), 25), replyB)
  t.equal(d.size, 1, 'one slot per source and Identifier')
})

t.test('slots past the window are swept, live ones kept', async (t) => {
  const d = new DuplicateCache(1_000)
  t.teardown(() => d.close())
  for (let id = 0; id < 10; id++) {
    const p = request(id)
    d.check('192.0.2.1', 2000, p, id < 5 ? 0 : 600)
  }
  d.sweep(1_200)
  t.equal(d.size, 5, 'the five from time 0 are gone')
})
