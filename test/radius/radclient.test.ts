// Interoperability with a client nobody here wrote: FreeRADIUS's radclient
// (Debian freeradius-utils) against citywifi's server over UDP.
import { spawn } from 'node:child_process'
import t from 'tap'
import { dbKinds } from '../helpers/databases.js'
import { SECRET, radiusFixture } from './setup.js'

interface Run {
  code: number | null
  out: string
}

function radclient(port: number, command: string, input: string, extra: string[] = []): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('radclient', ['-x', '-r', '1', '-t', '1', ...extra, `127.0.0.1:${port}`, command, SECRET], { stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    child.on('error', (err) => reject(new Error(`radclient did not run (${err.message}): sudo bash scripts/install-test-deps.sh installs freeradius-utils`)))
    child.on('close', (code) => resolve({ code, out }))
    child.stdin.end(input)
  })
}

for (const kind of dbKinds()) {
  t.test(`radclient against citywifi on ${kind}`, async (t) => {
    const f = await radiusFixture(t, kind)
    const code = f.vouchers[0]!
    const mac = 'Calling-Station-Id = "02-11-22-33-44-55"'

    const pap = await radclient(f.ports.auth, 'auth', `User-Name = "${code}", User-Password = "${code}", ${mac}, Message-Authenticator = 0x00\n`)
    t.equal(pap.code, 0, 'PAP with Message-Authenticator')
    t.match(pap.out, /Received Access-Accept/)
    t.match(pap.out, /Session-Timeout = 1800/)
    t.match(pap.out, /ChilliSpot-Bandwidth-Max-Down = 2000/)

    const chap = await radclient(f.ports.auth, 'auth', `User-Name = "${code}", CHAP-Password = "${code}", ${mac}, Message-Authenticator = 0x00\n`)
    t.equal(chap.code, 0, 'CHAP')
    t.match(chap.out, /Received Access-Accept/)

    const wrong = await radclient(f.ports.auth, 'auth', `User-Name = "${code}", User-Password = "not-it", ${mac}, Message-Authenticator = 0x00\n`)
    t.match(wrong.out, /Received Access-Reject/, 'wrong password')
    t.match(wrong.out, /Reply-Message = "Sai m/)

    const bare = await radclient(f.ports.auth, 'auth', `User-Name = "${code}", User-Password = "${code}", ${mac}\n`)
    t.not(bare.code, 0, 'no Message-Authenticator: no answer')
    t.match(bare.out, /No reply from server/)
    t.notMatch(bare.out, /Received Access-/)

    for (const [status, more] of [
      ['Start', ''],
      ['Interim-Update', ', Acct-Session-Time = 120, Acct-Input-Octets = 1000, Acct-Output-Octets = 20000'],
      ['Stop', ', Acct-Session-Time = 240, Acct-Input-Octets = 3000, Acct-Output-Octets = 70000, Acct-Terminate-Cause = Idle-Timeout'],
    ]) {
      const r = await radclient(f.ports.acct, 'acct', `Acct-Status-Type = ${status}, Acct-Session-Id = "rc-1", User-Name = "${code}", ${mac}${more}\n`)
      t.equal(r.code, 0, `Accounting ${status}`)
      t.match(r.out, /Received Accounting-Response/)
    }
    const s = await f.ctx.db.prisma.session.findFirstOrThrow({ where: { acctSessionId: 'rc-1' } })
    t.equal(s.sessionSeconds, 240)
    t.equal(s.outputOctets, 70000n)
    t.equal(s.terminateCause, 'Idle-Timeout')
    t.ok(s.stoppedAt)

    for (const port of [f.ports.auth, f.ports.acct]) {
      const st = await radclient(port, 'status', 'Message-Authenticator = 0x00\n')
      t.equal(st.code, 0, `Status-Server on ${port === f.ports.auth ? 'auth' : 'accounting'}`)
      t.match(st.out, port === f.ports.auth ? /Received Access-Accept/ : /Received Accounting-Response/)
    }
  })
}
