// FreeRADIUS under test: Debian's `freeradius` (3.2) with a throwaway raddb
// written here — one auth listener on 127.0.0.1, one client (127.0.0.1)
// with require_message_authenticator = yes, the files module holding the
// benchmark's users (CODE Cleartext-Password := "CODE", and the reply
// citywifi gives a CoovaChilli NAS), authorize { files; pap }, authenticate
// { pap }. Logging is to a file, without per-request lines.
//
// With `sql`: FreeRADIUS+SQL instead of files — rlm_sql (Debian's
// freeradius-postgresql) on PostgreSQL, its stock schema and queries in a
// database of its own, `radcheck` Cleartext-Password and a `radreply`
// Session-Timeout per user, a pool of 4 connections; authorize { sql; pap },
// optionally the stock post-auth insert (one committed write per login), and
// an accounting listener writing the stock radacct rows.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { freePort } from '../helpers/free-port.js'
import { cpuSeconds, rssMiB, startChild, type Child } from './proc.js'
import { waitForAnswer } from './probe.js'
import type { RequestSpec } from './radius-load.js'

export const FREERADIUS = process.env.BENCH_FREERADIUS || '/usr/sbin/freeradius'

export interface FreeRadiusOptions {
  secret: string
  codes: string[]
  /**
   * Put a Message-Authenticator in every Access-Accept, as citywifi does
   * (FreeRADIUS 3.2.5 and later always do; 3.2.1 only when asked, which is
   * what this does, through the reply list). Default true.
   */
  replyMessageAuthenticator?: boolean
  /** `thread pool` settings; default Debian's radiusd.conf (5 started, at most 32). */
  threads?: { start: number; max: number; minSpare: number; maxSpare: number }
  /** Requests tracked at once (Debian: 16384) and how long a reply is kept for duplicates (Debian: 5 s). */
  maxRequests?: number
  cleanupDelay?: number
  /** FreeRADIUS+SQL: users in PostgreSQL (prepareFreeRadiusSql) rather than a users file. */
  sql?: { database: FreeRadiusSqlDatabase; postAuth: boolean; connections?: number }
}

/** Debian's stock PostgreSQL schema and queries for rlm_sql. */
export const SQL_CONFIG_DIR = '/etc/freeradius/3.0/mods-config/sql/main/postgresql'

export interface FreeRadiusSqlDatabase {
  host: string
  port: number
  user: string
  name: string
  /** Adds users (Cleartext-Password := the code, Session-Timeout = 1800). */
  addUsers(codes: string[]): Promise<void>
  /** Rows FreeRADIUS wrote: post-auth log and accounting. */
  counts(): Promise<{ postauth: number; radacct: number }>
  remove(): Promise<void>
}

/** A fresh database with FreeRADIUS's stock PostgreSQL schema, on the PostgreSQL at `url`. */
export async function prepareFreeRadiusSql(url: string): Promise<FreeRadiusSqlDatabase> {
  const pg = (await import('pg')).default
  const name = `frsql_bench_${Math.random().toString(16).slice(2, 10)}`
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  const u = new URL(url)
  u.pathname = `/${name}`
  const c = new pg.Client({ connectionString: u.toString() })
  await c.connect()
  await c.query(fs.readFileSync(path.join(SQL_CONFIG_DIR, 'schema.sql'), 'utf8'))
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username || 'postgres'),
    name,
    async addUsers(codes) {
      for (let i = 0; i < codes.length; i += 10_000) {
        const chunk = codes.slice(i, i + 10_000)
        await c.query(`INSERT INTO radcheck (username, attribute, op, value) SELECT u, 'Cleartext-Password', ':=', u FROM unnest($1::text[]) u`, [chunk])
        await c.query(`INSERT INTO radreply (username, attribute, op, value) SELECT u, 'Session-Timeout', '=', '1800' FROM unnest($1::text[]) u`, [chunk])
      }
      await c.query('ANALYZE')
    },
    async counts() {
      const r = await c.query<{ p: string; a: string }>('SELECT (SELECT count(*) FROM radpostauth) AS p, (SELECT count(*) FROM radacct) AS a')
      return { postauth: Number(r.rows[0]!.p), radacct: Number(r.rows[0]!.a) }
    },
    async remove() {
      await c.end().catch(() => {})
      const a = new pg.Client({ connectionString: url })
      await a.connect()
      try {
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await a.end()
      }
    },
  }
}

export const DEBIAN_THREADS = { start: 5, max: 32, minSpare: 3, maxSpare: 10 }
const sqlThreads = (n: number) => ({ start: n, max: n, minSpare: 1, maxSpare: n })

/** The reply citywifi sends a CoovaChilli NAS for the benchmark's policy (seed.ts). */
export const REPLY_ITEMS = [
  'Session-Timeout = 1800',
  'Idle-Timeout = 600',
  'Acct-Interim-Interval = 300',
  'ChilliSpot-Bandwidth-Max-Up = 1000',
  'WISPr-Bandwidth-Max-Up = 1000000',
  'ChilliSpot-Bandwidth-Max-Down = 2000',
  'WISPr-Bandwidth-Max-Down = 2000000',
]

export interface FreeRadiusUnderTest {
  pid: number
  port: number
  /** Accounting port (FreeRADIUS+SQL only; 0 otherwise). */
  acctPort: number
  dir: string
  settings: string
  child: Child
  cpu(): number
  rss(): number
  stop(): Promise<string>
}

/** `freeradius -v`'s first line, or undefined when it is not installed. */
export function freeradiusVersion(): string | undefined {
  try {
    const out = execFileSync(FREERADIUS, ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    return out.split('\n').find((l) => /Version/.test(l))?.replace(/^radiusd: /, '').trim()
  } catch {
    return undefined
  }
}

function sqlModule(sql: NonNullable<FreeRadiusOptions['sql']>): string {
  const n = sql.connections ?? 4
  const d = sql.database
  return `	sql {
		dialect = "postgresql"
		driver = "rlm_sql_postgresql"
		server = "${d.host}"
		port = ${d.port}
		login = "${d.user}"
		password = ""
		radius_db = "${d.name}"
		acct_table1 = "radacct"
		acct_table2 = "radacct"
		postauth_table = "radpostauth"
		authcheck_table = "radcheck"
		groupcheck_table = "radgroupcheck"
		authreply_table = "radreply"
		groupreply_table = "radgroupreply"
		usergroup_table = "radusergroup"
		delete_stale_sessions = yes
		read_clients = no
		client_table = "nas"
		group_attribute = "SQL-Group"
		pool {
			start = ${n}
			min = ${n}
			max = ${n}
			spare = ${n}
			uses = 0
			retry_delay = 30
			lifetime = 0
			idle_timeout = 0
		}
		$INCLUDE ${SQL_CONFIG_DIR}/queries.conf
	}
`
}

function raddb(dir: string, port: number, o: Required<Omit<FreeRadiusOptions, 'codes' | 'sql'>> & Pick<FreeRadiusOptions, 'sql'>, acctPort: number): string {
  const t = o.threads
  return `# Written by test/bench/freeradius.ts for one benchmark run.
prefix = /usr
exec_prefix = /usr
sysconfdir = /etc
localstatedir = /var
sbindir = /usr/sbin
logdir = ${dir}/log
raddbdir = ${dir}
radacctdir = ${dir}/log
name = freeradius
confdir = ${dir}
modconfdir = ${dir}
run_dir = ${dir}/run
db_dir = ${dir}
libdir = /usr/lib/freeradius
pidfile = ${dir}/run/freeradius.pid

max_request_time = 30
cleanup_delay = ${o.cleanupDelay}
max_requests = ${o.maxRequests}
hostname_lookups = no

log {
	destination = files
	file = ${dir}/log/radius.log
	auth = no
	auth_badpass = no
	auth_goodpass = no
}

security {
	allow_core_dumps = no
	max_attributes = 200
	# Debian's is 1 s; no request here is rejected, but none should wait either.
	reject_delay = 0
	status_server = yes
}

client bench {
	ipaddr = 127.0.0.1
	secret = ${o.secret}
	require_message_authenticator = yes
}

thread pool {
	start_servers = ${t.start}
	max_servers = ${t.max}
	min_spare_servers = ${t.minSpare}
	max_spare_servers = ${t.maxSpare}
	max_requests_per_server = 0
	auto_limit_acct = no
}

modules {
	pap {
	}
	files {
		filename = ${dir}/users
	}
${o.sql ? `	# %{tolower:…} in the stock queries.
	expr {
	}
${sqlModule(o.sql)}` : ''}}

# As Debian's policy.d/accounting: the stock radacct queries need Acct-Unique-Session-Id.
policy {
	acct_unique {
		update request {
			&Acct-Unique-Session-Id := "%{md5:%{User-Name},%{Acct-Session-ID},%{%{NAS-IPv6-Address}:-%{NAS-IP-Address}},%{NAS-Identifier},%{NAS-Port-ID},%{NAS-Port}}"
		}
	}
}

server default {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = ${port}
	}
${
    o.sql
      ? `	listen {
		type = acct
		ipaddr = 127.0.0.1
		port = ${acctPort}
	}
	authorize {
		sql
		pap
	}
	authenticate {
		Auth-Type PAP {
			pap
		}
	}
	preacct {
		acct_unique
	}
	accounting {
		sql
	}
	post-auth {
${o.sql.postAuth ? '		sql\n' : ''}${o.replyMessageAuthenticator ? '		update reply {\n			&Message-Authenticator := 0x00\n		}\n' : ''}	}`
      : `	authorize {
		files
		pap
	}
	authenticate {
		Auth-Type PAP {
			pap
		}
	}`
  }
}
`
}

function usersFile(codes: string[], withMa: boolean): string {
  const reply = withMa ? [...REPLY_ITEMS, 'Message-Authenticator = 0x00'] : REPLY_ITEMS
  const body = reply.map((r) => `\t${r}`).join(',\n')
  return codes.map((code) => `${code}\tCleartext-Password := "${code}"\n${body}\n`).join('\n')
}

export async function startFreeRadius(opts: FreeRadiusOptions & { probe: RequestSpec }): Promise<FreeRadiusUnderTest> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'frb-'))
  fs.mkdirSync(path.join(dir, 'log'))
  fs.mkdirSync(path.join(dir, 'run'))
  const port = await freePort()
  const acctPort = opts.sql ? await freePort() : 0
  const o = {
    sql: opts.sql,
    secret: opts.secret,
    replyMessageAuthenticator: opts.replyMessageAuthenticator ?? true,
    // rlm_sql does not wait for a free connection: a thread finding none fails the
    // request (a reject). With N connections, N threads, so that none goes without.
    threads: opts.threads ?? (opts.sql ? sqlThreads(opts.sql.connections ?? 4) : DEBIAN_THREADS),
    maxRequests: opts.maxRequests ?? 16384,
    cleanupDelay: opts.cleanupDelay ?? 5,
  }
  fs.writeFileSync(path.join(dir, 'radiusd.conf'), raddb(dir, port, o, acctPort))
  fs.writeFileSync(path.join(dir, 'users'), opts.sql ? '' : usersFile(opts.codes, o.replyMessageAuthenticator))
  const settings =
    `threads ${o.threads.start}..${o.threads.max} (spare ${o.threads.minSpare}..${o.threads.maxSpare}), max_requests ${o.maxRequests}, ` +
    `cleanup_delay ${o.cleanupDelay}, reply Message-Authenticator ${o.replyMessageAuthenticator ? 'yes' : 'no'}` +
    (o.sql ? `; rlm_sql on PostgreSQL, ${o.sql.connections ?? 4} connections, post-auth insert ${o.sql.postAuth ? 'yes' : 'no'}` : '')
  // -f: stay in the foreground (our child); no -X: debug output slows it down many times.
  const child = startChild(FREERADIUS, ['-f', '-d', dir])
  const alive = () => child.proc.exitCode === null && child.proc.signalCode === null
  const log = () => {
    try {
      return fs.readFileSync(path.join(dir, 'log', 'radius.log'), 'utf8').slice(-4000)
    } catch {
      return ''
    }
  }
  try {
    const code = await waitForAnswer(port, opts.secret, opts.probe, alive, 30_000)
    if (code !== 2) throw new Error(`the first user was answered with code ${code}, not Access-Accept`)
  } catch (err) {
    await child.stop()
    throw new Error(`FreeRADIUS did not start: ${(err as Error).message}\n${child.output()}\n${log()}`)
  }
  return {
    pid: child.pid,
    port,
    acctPort,
    dir,
    settings,
    child,
    cpu: () => cpuSeconds(child.pid),
    rss: () => rssMiB(child.pid),
    async stop() {
      const code = await child.stop()
      fs.rmSync(dir, { recursive: true, force: true })
      return code
    },
  }
}
