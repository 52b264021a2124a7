// The embedded database on a full disk (a 64 MB tmpfs): /readyz says 503 with
// the reason while /healthz stays 200, it is ready again once space is freed,
// and a start on the full disk exits 1 with one line naming the directory.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { pgdataDir } from '../../core/db/embedded.js'
import { spawnCli, type RunningCli } from '../helpers/cli.js'
import { PGLITE_TEMPLATE } from '../helpers/databases.js'

const PORTS = { LISTEN_HOST: '127.0.0.1', RADIUS_AUTH_PORT: '0', RADIUS_ACCT_PORT: '0', PORTAL_PORT: '0', ADMIN_PORT: '0', CITYWIFI_SEED_DEMO: 'false' }

function mountTmpfs(): string | string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-disk-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', dir], { stdio: 'pipe' })
    return dir
  } catch (err) {
    fs.rmdirSync(dir)
    throw err
  }
}

/** Fills the file system holding `dir` to the last byte. */
function fill(dir: string): string {
  const file = path.join(dir, 'filler')
  const fd = fs.openSync(file, 'a')
  const chunk = Buffer.alloc(1 << 20)
  try {
    for (;;) fs.writeSync(fd, chunk)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err
    // Whatever is left, smaller than a chunk.
    try {
      for (;;) fs.writeSync(fd, Buffer.alloc(4096))
    } catch {
      // full
    }
  } finally {
    fs.closeSync(fd)
  }
  return file
}

async function addresses(cli: RunningCli): Promise<string[]> {
  const m = await cli.waitFor(/"addresses":(\[[^\]]*\])[^\n]*"citywifi is running"/, 90_000)
  return (JSON.parse(m[1]!) as string[]).filter((a) => a.startsWith('http'))
}

let mnt: string | undefined
let why = ''
try {
  mnt = mountTmpfs()
} catch (err) {
  why = `mounting a tmpfs is not permitted here (${String((err as { stderr?: Buffer }).stderr ?? err).trim()})`
}

t.test('full disk under the embedded database', { skip: mnt ? false : why }, async (t) => {
  const root = mnt!
  t.teardown(() => {
    execFileSync('umount', ['-l', root])
    fs.rmdirSync(root)
  })
  const dataDir = path.join(root, 'data')
  fs.cpSync(PGLITE_TEMPLATE, pgdataDir(dataDir), { recursive: true })

  const cli = spawnCli(['start'], { ...PORTS, CITYWIFI_DATA_DIR: dataDir })
  t.teardown(() => cli.child.kill('SIGKILL'))
  const urls = await addresses(cli)
  t.equal(urls.length, 2, 'portal and admin')
  for (const url of urls) {
    const r = await fetch(`${url}/readyz`)
    t.equal(r.status, 200, `${url}/readyz before`)
    t.match(await r.json(), { status: 'ok', database: 'up', writable: true })
  }

  const filler = fill(root)
  for (const url of urls) {
    const ready = await fetch(`${url}/readyz`)
    t.equal(ready.status, 503, `${url}/readyz on a full disk`)
    const body = (await ready.json()) as { reason: string; diskFreeBytes: number }
    t.match(body, { status: 'unavailable', database: 'up', writable: false })
    t.match(body.reason, `the disk holding ${dataDir} is full`)
    t.ok(body.diskFreeBytes < 1 << 20)
    const alive = await fetch(`${url}/healthz`)
    t.equal(alive.status, 200, `${url}/healthz stays 200: the process is alive`)
  }
  fs.rmSync(filler)
  t.equal((await fetch(`${urls[0]}/readyz`)).status, 200, 'ready again once space is freed')

  cli.child.kill('SIGTERM')
  t.equal((await cli.exited()).code, 0)

  fill(root)
  const started = Date.now()
  const again = spawnCli(['start'], { ...PORTS, CITYWIFI_DATA_DIR: dataDir })
  t.teardown(() => again.child.kill('SIGKILL'))
  const { code } = await again.exited()
  t.equal(code, 1, 'a start on the full disk exits 1')
  const lines = again.output().trim().split('\n')
  t.same(lines.length, 1, 'one line')
  t.match(lines[0], new RegExp(`^citywifi: the disk holding the data dir ${dataDir} is full \\(0\\.0 MB free`))
  t.notMatch(again.output(), /\n\s+at /, 'no stack trace')
  t.comment(`exit after ${Date.now() - started} ms`)
})
