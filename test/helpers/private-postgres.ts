// A PostgreSQL server of the test's own, to stop, kill and start again
// (the machine's shared server at 127.0.0.1:5432 is never touched: other
// people's tests run on it). Debian's server binaries, initdb into a temporary
// folder, a free port on 127.0.0.1. PostgreSQL refuses to run as root, so the
// folder belongs to the postgres user and both programs run as it.
import { execFile, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { freePort } from './free-port.js'

const run = promisify(execFile)

/** The newest server version Debian installed, e.g. /usr/lib/postgresql/15/bin. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql'
  if (!fs.existsSync(root)) return undefined
  const versions = fs
    .readdirSync(root)
    .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))
  return versions.length ? path.join(root, versions[0]!, 'bin') : undefined
}

/** Why a private server cannot run here, or undefined when it can. */
export function privatePostgresUnavailable(): string | undefined {
  if (!postgresBinDir()) return 'no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)'
  if (process.getuid?.() === 0 && spawnSync('id', ['postgres']).status !== 0) return 'no postgres user to run the server as'
  return undefined
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export interface PrivatePostgresOptions {
  /** fsync=off: faster for tests that never lose the machine (default true; benchmarks keep fsync). */
  noFsync?: boolean
}

export class PrivatePostgres {
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly bin: string,
    private readonly settings: string[],
  ) {}

  static async create(options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
    const bin = postgresBinDir()
    if (!bin) throw new Error(privatePostgresUnavailable())
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-pg-'))
    const asRoot = process.getuid?.() === 0
    if (asRoot) fs.chownSync(dir, uid('postgres'), gid('postgres'))
    const port = await freePort()
    const settings = [
      '-c listen_addresses=127.0.0.1',
      `-c port=${port}`,
      `-c unix_socket_directories=${dir}`,
      '-c max_connections=60',
      '-c shared_buffers=16MB',
      ...(options.noFsync !== false ? ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'] : []),
    ]
    const pg = new PrivatePostgres(dir, port, bin, settings)
    await pg.#as('initdb', ['-D', pg.dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C'])
    await pg.start()
    return pg
  }

  get dataDir(): string {
    return path.join(this.dir, 'data')
  }

  url(database = 'postgres'): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/${database}`
  }

  async #as(program: string, args: string[]) {
    const full = path.join(this.bin, program)
    const asRoot = process.getuid?.() === 0
    return asRoot ? run('runuser', ['-u', 'postgres', '--', full, ...args], { timeout: 120_000 }) : run(full, args, { timeout: 120_000 })
  }

  /** Starts the server and waits until it answers (again, after a kill -9: its old backends may take a moment to go). */
  async start(): Promise<void> {
    const deadline = Date.now() + 60_000
    for (;;) {
      try {
        await this.#as('pg_ctl', ['start', '-w', '-t', '30', '-D', this.dataDir, '-l', path.join(this.dir, 'server.log'), '-o', this.settings.join(' ')])
        break
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`private PostgreSQL did not start: ${(err as Error).message}\n${this.log()}`)
        await sleep(250)
      }
    }
    await this.waitReady()
  }

  async waitReady(ms = 30_000): Promise<void> {
    const deadline = Date.now() + ms
    for (;;) {
      const c = new pg.Client({ connectionString: this.url() })
      c.on('error', () => {})
      try {
        await c.connect()
        await c.query('SELECT 1')
        await c.end()
        return
      } catch (err) {
        await c.end().catch(() => {})
        if (Date.now() > deadline) throw err
        await sleep(100)
      }
    }
  }

  /** `pg_ctl stop -m fast`: every backend is told 57P01 and the server goes. */
  async stopFast(): Promise<void> {
    await this.#as('pg_ctl', ['stop', '-w', '-m', 'fast', '-D', this.dataDir])
  }

  /** kill -9 of the postmaster: no goodbye to anyone. */
  killPostmaster(): number {
    const pid = this.postmasterPid()
    if (!pid) throw new Error('private PostgreSQL is not running')
    process.kill(pid, 'SIGKILL')
    return pid
  }

  /** SIGSTOP (true) or SIGCONT (false) to the server and all its backends: a database that hangs instead of failing. */
  pause(stop: boolean): void {
    const pid = this.postmasterPid()
    if (!pid) throw new Error('private PostgreSQL is not running')
    const children = spawnSync('pgrep', ['-P', String(pid)]).stdout.toString().split('\n').filter(Boolean).map(Number)
    for (const p of [pid, ...children]) {
      try {
        process.kill(p, stop ? 'SIGSTOP' : 'SIGCONT')
      } catch {
        // gone meanwhile
      }
    }
  }

  postmasterPid(): number | undefined {
    try {
      const pid = Number(fs.readFileSync(path.join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
      process.kill(pid, 0)
      return pid
    } catch {
      return undefined
    }
  }

  async query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[] = [], database = 'postgres'): Promise<T[]> {
    const c = new pg.Client({ connectionString: this.url(database) })
    c.on('error', () => {})
    await c.connect()
    try {
      return (await c.query<T>(sql, params)).rows
    } finally {
      await c.end().catch(() => {})
    }
  }

  log(): string {
    try {
      return fs.readFileSync(path.join(this.dir, 'server.log'), 'utf8').slice(-4000)
    } catch {
      return ''
    }
  }

  /** Stops the server however it is and removes its folder. */
  async destroy(): Promise<void> {
    const pid = this.postmasterPid()
    if (pid) {
      try {
        process.kill(pid, 'SIGQUIT')
      } catch {
        // already gone
      }
      for (let i = 0; i < 100 && this.postmasterPid(); i++) await sleep(50)
    }
    fs.rmSync(this.dir, { recursive: true, force: true })
  }
}

function uid(user: string): number {
  return Number(spawnSync('id', ['-u', user]).stdout.toString().trim())
}

function gid(user: string): number {
  return Number(spawnSync('id', ['-g', user]).stdout.toString().trim())
}
