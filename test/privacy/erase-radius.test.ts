// A device erased (or purged) while RADIUS runs comes back later: its
// accounting is stored as a new device's, not refused for pointing at the
// deleted row RADIUS remembered.
import t from 'tap'
import { erasePerson } from '../../core/services/person-data.js'
import { Code, attr } from '../../radius/codec/index.js'
import { dbKinds } from '../helpers/databases.js'
import { radiusFixture } from '../radius/setup.js'

const MAC = '02-00-00-00-EE-01'

for (const kind of dbKinds()) {
  t.test(`accounting after an erasure on ${kind}`, async (t) => {
    const f = await radiusFixture(t, kind)
    const prisma = f.ctx.db.prisma
    const acct = (status: string, id: string) =>
      f.client.request(Code.AccountingRequest, f.ports.acct, [attr('Acct-Status-Type', status), attr('Acct-Session-Id', id), attr('User-Name', MAC), attr('Calling-Station-Id', MAC)], {
        timeoutMs: 3000,
      })
    t.ok(await acct('Start', 'e-1'), 'Start answered')
    t.ok(await acct('Stop', 'e-1'), 'Stop answered')
    const first = await prisma.device.findUniqueOrThrow({ where: { mac: MAC } })

    const erased = await erasePerson(prisma, f.ctx.secrets, { mac: MAC }, 'test')
    t.equal(erased.devices, 1)

    // A NAS retransmits once when no answer comes in time.
    const again = (await acct('Start', 'e-2')) ?? (await acct('Start', 'e-2'))
    t.ok(again, 'the returning device is accounted (within one retransmission)')
    const device = await prisma.device.findUnique({ where: { mac: MAC } })
    t.ok(device && device.id !== first.id, 'as a new device')
    t.equal(await prisma.session.count({ where: { acctSessionId: 'e-2', deviceId: device?.id } }), 1)
  })
}
