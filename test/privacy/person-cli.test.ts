// `citywifi person export|erase` as an operator runs them, on both databases.
import t from 'tap'
import { exportPerson } from '../../core/services/person-data.js'
import { testContext } from '../helpers/app.js'
import { runCli } from '../helpers/cli.js'
import { dbKinds } from '../helpers/databases.js'
import { seedPeople } from './seed.js'

// Each command is a Node process of its own: minutes on a busy machine, more than tap's default 300 s.
t.setTimeout(900_000)

for (const kind of dbKinds()) {
  t.test(`person export and erase on ${kind}`, async (t) => {
    const { ctx, database } = await testContext(t, kind)
    const s = await seedPeople(ctx)
    const prisma = ctx.db.prisma
    const cli = (args: string[]) => runCli(args, { env: database.env })

    const byMac = await cli(['person', 'export', '--mac', s.newMac.toLowerCase().replace(/-/g, ':')])
    t.equal(byMac.code, 0, byMac.stderr)
    const data = JSON.parse(byMac.stdout)
    t.same(data.request, { mac: s.newMac })
    t.same(data.devices.map((d: { mac: string }) => d.mac), [s.newMac])
    t.equal(data.consents.length, 2)
    t.same(data.consents.map((c: { phoneVerified: boolean }) => c.phoneVerified), [false, true])
    t.equal(data.sessions.length, 2)
    t.match(data.sessions[0], { username: s.newMac, framedIp: '10.1.0.9', inputOctets: '1000' })
    t.equal(data.otpChallenges.length, 2)
    t.equal(data.loginCredentials.length, 2)
    t.equal(data.dailyUsage.length, 2)
    t.notMatch(byMac.stdout, /passwordEnc|codeHash|phoneHash/, 'no secrets or hashes in the export')

    // The same service behind the command, in-process (each command costs a Node start).
    const pdata = await exportPerson(prisma, ctx.secrets, { phone: '0912 345 678' }, 'cli:test')
    t.same(pdata.request, { phone: '+84912345678' })
    t.same(pdata.devices.map((d: { mac: string }) => d.mac), [s.newMac], 'the device that verified with the phone')
    t.equal(pdata.sessions.length, 2)

    const unlinked = await exportPerson(prisma, ctx.secrets, { mac: s.oldMac }, 'cli:test')
    t.same(unlinked.sessions.map((x) => x.username), [s.oldMac])

    for (const [args, message] of [
      [['person', 'export'], 'citywifi: give --mac <address> or --phone <number>'],
      [['person', 'export', '--mac', 'zz'], 'citywifi: "zz" is not a MAC address'],
      [['person', 'erase', '--phone', '12'], 'citywifi: "12" is not a Vietnamese mobile number'],
    ] as const) {
      const r = await cli([...args])
      t.equal(r.code, 1, args.join(' '))
      t.equal(r.stderr.trim(), message)
      t.equal(r.stdout, '')
    }

    const online = await cli(['person', 'erase', '--mac', s.onlineMac])
    t.equal(online.code, 1)
    t.match(online.stderr, /^citywifi: AA-00-00-00-00-03 is online now \(a session since .*\): disconnect it first/)
    t.ok(await prisma.device.findUnique({ where: { mac: s.onlineMac } }), 'nothing erased while online')

    const erased = await cli(['person', 'erase', '--phone', '+84 912 345 678', '--json'])
    t.equal(erased.code, 0, erased.stderr)
    t.same(JSON.parse(erased.stdout), { person: '+8491••••678', devices: 1, consents: 2, otpChallenges: 2, sessionsAnonymised: 2, disconnectRequests: 0 })
    t.equal(await prisma.device.count({ where: { mac: s.newMac } }), 0)
    t.equal(await prisma.consent.count(), 0)
    t.equal(await prisma.otpChallenge.count(), 0)
    t.equal(await prisma.credential.count(), 0)
    t.equal(await prisma.deviceUsageDaily.count(), 0)
    const kept = await prisma.session.findMany({ where: { username: 'erased' } })
    t.equal(kept.length, 2, 'the ended sessions stay for the statistics')
    for (const k of kept) t.match(k, { deviceId: null, framedIp: null, acctSessionId: /^erased-\d+$/, sessionSeconds: 600, inputOctets: 1000n })
    t.equal(await prisma.statsHourly.count(), 1, 'statistics stay')

    const text = await cli(['person', 'erase', '--mac', s.oldMac])
    t.equal(text.code, 0, text.stderr)
    t.equal(text.stdout.trim(), `erased ${s.oldMac}: 1 device(s), 0 consent(s), 0 OTP challenge(s), 1 disconnect request(s); 1 ended session(s) kept anonymous for the statistics`)

    const after = JSON.parse((await cli(['person', 'export', '--mac', s.newMac])).stdout)
    for (const list of ['devices', 'consents', 'sessions', 'otpChallenges', 'loginCredentials', 'vouchers', 'dailyUsage']) t.same(after[list], [], `nothing left: ${list}`)

    const audit = await prisma.auditEvent.findMany({ where: { action: { startsWith: 'person.' } }, orderBy: { id: 'asc' } })
    t.same(
      audit.map((a) => [a.action, a.target]),
      [
        ['person.export', s.newMac],
        ['person.export', '+8491••••678'],
        ['person.export', s.oldMac],
        ['person.erase', '+8491••••678'],
        ['person.erase', s.oldMac],
        ['person.export', s.newMac],
      ],
      'every export and erasure audited; a phone number only masked',
    )
    t.match(audit[0]!.actor, /^cli:/)
    t.equal(audit[1]!.actor, 'cli:test')
  })
}
