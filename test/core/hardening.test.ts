// Issue #10 item 10: owner-only data dir, a key per purpose, redaction at any depth.
import { spawn } from 'node:child_process'
import { createHmac, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import t from 'tap'
import { createLogger } from '../../core/logger.js'
import { SecretBox } from '../../core/secret-box.js'
import { Signer } from '../../portal/signing.js'
import { CLI } from '../helpers/cli.js'

t.test('`citywifi start` under umask 022 creates the data dir, secret.key and the database socket for its user only', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'citywifi-umask-'))
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }))
  const dataDir = path.join(root, 'data') // does not exist yet: citywifi makes it
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    CITYWIFI_DATA_DIR: dataDir,
    LISTEN_HOST: '127.0.0.1',
    RADIUS_AUTH_PORT: '0',
    RADIUS_ACCT_PORT: '0',
    PORTAL_PORT: '0',
    ADMIN_PORT: '0',
  }
  const child = spawn('/bin/sh', ['-c', 'umask 022; exec "$0" "$@"', process.execPath, CLI, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => child.kill('SIGKILL'))
  let out = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not running after 120 s:\n${out}`)), 120_000)
    const onData = (d: Buffer) => {
      out += d.toString()
      if (out.includes('citywifi is running')) {
        clearTimeout(timer)
        resolve()
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('close', () => reject(new Error(`exited:\n${out}`)))
  })
  const mode = (p: string) => fs.statSync(p).mode & 0o777
  t.equal(mode(dataDir).toString(8), '700', 'data dir')
  t.equal(mode(path.join(dataDir, 'secret.key')).toString(8), '600', 'secret.key')
  const socket = path.join(dataDir, '.s.PGSQL.5432')
  t.ok(fs.statSync(socket).isSocket(), 'the database socket exists')
  t.equal(mode(socket) & 0o077, 0, `socket mode ${mode(socket).toString(8)} has no group or other bits`)
  // Every file and folder below it as well (the database files are a copied template).
  const open: string[] = []
  const walk = (p: string) => {
    const st = fs.lstatSync(p)
    if (!st.isSymbolicLink() && st.mode & 0o077) open.push(`${(st.mode & 0o777).toString(8)} ${path.relative(dataDir, p)}`)
    if (st.isDirectory()) for (const n of fs.readdirSync(p)) walk(path.join(p, n))
  }
  walk(dataDir)
  t.same(open.slice(0, 10), [], 'nothing in the data dir is readable by group or others')
})

t.test('browser-held passes are signed with a subkey of their own, not a database key', async (t) => {
  const master = randomBytes(32)
  const box = new SecretBox(master)
  const signer = new Signer(box)
  const iat = Math.floor(Date.now() / 1000)
  const pass = signer.sign('status', { iat, user: 'u1' })
  t.same(signer.verify('status', pass, 60), { iat, user: 'u1' }, 'its own pass verifies')

  // The attacker's pass: MACed with the key the portal used before (derived
  // from the phone-hash key) or with the whole instance key.
  const body = Buffer.from(JSON.stringify({ iat, user: 'admin' })).toString('base64url')
  const macWith = (key: Buffer) => createHmac('sha256', key).update('status').update('\0').update(body).digest('base64url').slice(0, 27)
  const oldKey = Buffer.from(box.hash('portal signing key', 'v1'), 'base64url')
  t.equal(signer.verify('status', `${body}.${macWith(oldKey)}`, 60), undefined, 'a pass signed with the old (database hash-derived) key is refused')
  t.equal(signer.verify('status', `${body}.${macWith(master)}`, 60), undefined, 'a pass signed with the whole instance key is refused')

  // A sealed browser value is not encrypted with the database's secret key,
  // so a stored NAS secret pasted as a sealed token does not open, and back.
  const stored = box.encrypt(JSON.stringify({ iat, secret: 'nas-secret' }))
  const asToken = stored.replace(/^v1:/, '').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
  t.equal(signer.unseal(asToken, 60), undefined, 'a database ciphertext does not unseal as a browser token')
  const sealed = signer.seal({ iat, phone: '+84900000000' })
  t.same(signer.unseal(sealed, 60), { iat, phone: '+84900000000' }, 'its own sealed value opens')
  const b64 = sealed.replace(/-/g, '+').replace(/_/g, '/')
  t.throws(() => box.decrypt(`v1:${b64}${'='.repeat((4 - (b64.length % 4)) % 4)}`), 'a browser token does not decrypt with the database key')

  const keys = ['portal signing v2', 'portal seal v2', 'admin cookie v2'].map((p) => box.subkey(p).toString('hex'))
  t.equal(new Set([...keys, master.toString('hex'), oldKey.toString('hex')]).size, 5, 'subkeys differ per purpose and from the instance key')

  // Database secrets keep their key: a value encrypted by a box on the same
  // instance key (as an existing database holds) still decrypts.
  t.equal(new SecretBox(Buffer.from(master)).decrypt(stored), JSON.stringify({ iat, secret: 'nas-secret' }))
  t.equal(new SecretBox(Buffer.from(master)).hash('phone', '+84900000000'), box.hash('phone', '+84900000000'), 'phone hashes unchanged')
})

t.test('a secret three levels deep in a log object is redacted', async (t) => {
  let text = ''
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString()
      cb()
    },
  })
  const log = createLogger('info', sink)
  const site = { name: 'Phường 1', nas: { ap: { secret: 'deep-secret-1', ip: '10.0.0.1' }, list: [{ deeper: { password: 'deep-pass-2' } }] } }
  log.info({ site, attempt: { user: { phone: '+84911111111', otp: { code: '123456' } } }, exitCode: { code: 3 } }, 'deep')
  log.child({ ctx: { a: { b: { token: 'child-token-3' } } } }).info('child')
  for (const leaked of ['deep-secret-1', 'deep-pass-2', '+84911111111', '123456', 'child-token-3']) t.notOk(text.includes(leaked), `${leaked} is not in the log`)
  t.ok(text.includes('10.0.0.1'), 'the rest of the object is logged')
  t.ok(text.includes('"code":3'), 'a numeric code stays readable')
  t.equal(site.nas.ap.secret, 'deep-secret-1', "the caller's object is not changed")
})
