// FreeRADIUS under test: Debian's `freeradius` (3.2) with a throwaway raddb
// written here — one auth listener on 127.0.0.1, one client (127.0.0.1)
// with require_message_authenticator = yes, the files module holding the
// benchmark's users (CODE Cleartext-Password := "CODE", and the reply
// citywifi gives a CoovaChilli NAS), authorize { files; pap }, authenticate
// { pap }. Logging is to a file, without per-request lines.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { cpuSeconds, freeUdpPort, rssMiB, startChild, type Child } from './proc.js'
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
}

export const DEBIAN_THREADS = { start: 5, max: 32, minSpare: 3, maxSpare: 10 }

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

function raddb(dir: string, port: number, o: Required<Omit<FreeRadiusOptions, 'codes'>>): string {
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
}

server default {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = ${port}
	}
	authorize {
		files
		pap
	}
	authenticate {
		Auth-Type PAP {
			pap
		}
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
  const port = await freeUdpPort()
  const o = {
    secret: opts.secret,
    replyMessageAuthenticator: opts.replyMessageAuthenticator ?? true,
    threads: opts.threads ?? DEBIAN_THREADS,
    maxRequests: opts.maxRequests ?? 16384,
    cleanupDelay: opts.cleanupDelay ?? 5,
  }
  fs.writeFileSync(path.join(dir, 'radiusd.conf'), raddb(dir, port, o))
  fs.writeFileSync(path.join(dir, 'users'), usersFile(opts.codes, o.replyMessageAuthenticator))
  const settings =
    `threads ${o.threads.start}..${o.threads.max} (spare ${o.threads.minSpare}..${o.threads.maxSpare}), max_requests ${o.maxRequests}, ` +
    `cleanup_delay ${o.cleanupDelay}, reply Message-Authenticator ${o.replyMessageAuthenticator ? 'yes' : 'no'}`
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
