// The operator CLI, run as a user runs it: the real command in a child
// process, on each database.
import t from 'tap'
import { runCli } from '../helpers/cli.js'
import { dbKinds, freshDatabase } from '../helpers/databases.js'

const SECRET = 'nas-secret-0123456789'

for (const kind of dbKinds()) {
  t.test(`commands on ${kind}`, async (t) => {
    const db = await freshDatabase(kind)
    t.teardown(() => db.drop())
    const cli = (args: string[], input?: string) => runCli(args, { env: db.env, input })

    const site = await cli(['site', 'add', '--name', 'UBND Phường 1', '--json'])
    t.equal(site.code, 0, site.stderr)
    t.match(JSON.parse(site.stdout), { id: Number, name: 'UBND Phường 1' })

    const dup = await cli(['site', 'add', '--name', 'UBND Phường 1'])
    t.equal(dup.code, 1)
    t.equal(dup.stderr.trim(), 'citywifi: a site named "UBND Phường 1" already exists', 'one clear line')

    const nas = await cli(['nas', 'add', '--site', 'UBND Phường 1', '--name', 'ap-1', '--ip', '10.0.0.0/24', '--secret', SECRET, '--vendor', 'mikrotik', '--json'])
    t.equal(nas.code, 0, nas.stderr)
    t.match(JSON.parse(nas.stdout), { name: 'ap-1', address: '10.0.0.0/24', vendor: 'mikrotik', coaPort: 3799 })
    t.notMatch(nas.stdout, SECRET, 'the secret is not echoed')

    const bad: [string[], RegExp][] = [
      [['nas', 'add', '--site', 'Nowhere', '--name', 'ap-2', '--ip', '10.0.1.1', '--secret', SECRET], /^citywifi: no site named "Nowhere" \(sites: "UBND Phường 1"\)$/],
      [['nas', 'add', '--site', 'UBND Phường 1', '--name', 'ap-2', '--ip', '10.0.1.300', '--secret', SECRET], /^citywifi: "10\.0\.1\.300" is not an IP address or network/],
      [['nas', 'add', '--site', 'UBND Phường 1', '--name', 'ap-2', '--ip', '10.0.1.0/33', '--secret', SECRET], /invalid prefix length/],
      [['nas', 'add', '--site', 'UBND Phường 1', '--name', 'ap-2', '--ip', '10.0.0.0/24', '--secret', SECRET], /^citywifi: the address 10\.0\.0\.0\/24 is already registered \(NAS "ap-1"\)$/],
      [['nas', 'add', '--site', 'UBND Phường 1', '--name', 'ap-2', '--ip', '10.0.2.1', '--secret', 'short'], /^citywifi: secret is 5 characters: a shared secret needs at least 16$/],
      [['nas', 'add', '--site', 'UBND Phường 1', '--name', 'ap-2', '--ip', '10.0.2.1', '--secret', SECRET, '--vendor', 'cisco'], /--vendor.*cisco.*Allowed choices are coovachilli, mikrotik, opennds, generic/s],
      [['nas', 'add', '--site', 'UBND Phường 1', '--name', 'ap-2', '--ip', '10.0.2.1'], /required option '--secret <secret>' not specified/],
      [['voucher', 'create', '--site', 'UBND Phường 1', '--count', '0'], /--count must be a whole number from 1 to 100000/],
      [['voucher', 'create', '--site', 'UBND Phường 1', '--count', 'ten'], /--count must be a whole number/],
      [['token', 'create', '--name', 'x', '--role', 'root'], /Allowed choices are admin, operator, viewer/],
      [['frobnicate'], /unknown command 'frobnicate'/],
    ]
    for (const [args, pattern] of bad) {
      const r = await cli(args)
      t.equal(r.code, 1, `${args.join(' ')} exits 1`)
      t.match(r.stderr.trim(), pattern, args.join(' '))
      t.equal(r.stdout, '', 'nothing on stdout')
    }
    const noUser = await cli(['admin-user', 'add', '--username', 'ops', '--role', 'operator', '--password-stdin'], '')
    t.equal(noUser.code, 1)
    t.equal(noUser.stderr.trim(), 'citywifi: the password is empty')

    const user = await cli(['admin-user', 'add', '--username', 'ops', '--role', 'operator', '--password-stdin', '--json'], 'correct horse battery\n')
    t.equal(user.code, 0, user.stderr)
    t.same(JSON.parse(user.stdout), { id: JSON.parse(user.stdout).id, username: 'ops', role: 'operator' })

    const token = await cli(['token', 'create', '--name', 'grafana', '--role', 'viewer', '--json'])
    t.equal(token.code, 0, token.stderr)
    t.match(JSON.parse(token.stdout), { token: /^cwt_[A-Za-z0-9_-]{43}$/, role: 'viewer' })

    // Nothing half-written: the failed commands above left no NAS, user or token behind.
    const check = await runCli(['nas', 'add', '--site', 'UBND Phường 1', '--name', 'ap-2', '--ip', '10.0.2.1', '--secret', SECRET, '--json'], { env: db.env })
    t.equal(check.code, 0, 'ap-2 was never half-created: its name and address are still free')

    const help = await cli(['voucher', 'create', '--help'])
    t.equal(help.code, 0)
    t.match(help.stdout, /--count <k>/)
    t.match(help.stdout, /--json/)

    const migrate = await cli(['migrate', '--json'])
    t.equal(migrate.code, 0, migrate.stderr)
    t.same(JSON.parse(migrate.stdout), { applied: [] }, 'already migrated: nothing applied')
  })

  t.test(`10,000 vouchers reach a pipe complete on ${kind}`, async (t) => {
    const db = await freshDatabase(kind)
    t.teardown(() => db.drop())
    t.equal((await runCli(['site', 'add', '--name', 'Quảng trường'], { env: db.env })).code, 0)
    const started = Date.now()
    const r = await runCli(['voucher', 'create', '--site', 'Quảng trường', '--count', '10000', '--minutes', '60', '--json'], { env: db.env, timeoutMs: 120_000 })
    t.equal(r.code, 0, r.stderr)
    const list = JSON.parse(r.stdout) as { code: string }[]
    t.equal(list.length, 10000)
    t.equal(new Set(list.map((v) => v.code)).size, 10000, 'all unique')
    t.ok(list.every((v) => /^[3479A-HJKMNP-Z]{10}$/.test(v.code)), 'all in the readable alphabet')
    t.comment(`10,000 vouchers on ${kind}: ${Date.now() - started} ms`)
    const text = await runCli(['voucher', 'create', '--site', 'Quảng trường', '--count', '3'], { env: db.env })
    t.equal(text.code, 0)
    t.equal(text.stdout.trim().split('\n').length, 4, 'a header line and one code a line')
  })
}
