// A closed-loop RADIUS load generator: K UDP sockets, each keeping up to its
// share of N requests outstanding, Identifiers rotated per socket, every
// reply's Response Authenticator (and Message-Authenticator) verified,
// no retransmission: a request without an answer within the timeout is a
// timeout, counted and reported. Latency is measured per request from send
// to receipt; only replies received inside the measuring window count.
//
// As a module: runLoad({...}) with a request source (authRequests,
// accountingRequests). As a command:
//   node --import tsx test/bench/radius-load.ts --port 1812 --secret S \
//     --users codes.txt [--acct] [--outstanding 64] [--sockets 4] [--seconds 10] [--warmup 3]
// (codes.txt: one voucher code per line; User-Name = User-Password = code).
import { randomBytes } from 'node:crypto'
import dgram from 'node:dgram'
import fs from 'node:fs'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { Code, attr, encodeRequest, verifyResponse, type RawAttribute } from '../../radius/codec/index.js'
import { int, machineCpu, ms } from './proc.js'

export interface RequestSpec {
  code: number
  attributes: RawAttribute[]
  /** PAP: hidden into User-Password with the request's authenticator. */
  password?: string
  /** Default: on for Access-Request and Status-Server, off for Accounting-Request. */
  messageAuthenticator?: boolean
}

export interface LoadOptions {
  host?: string
  port: number
  secret: string
  /** Requests outstanding at most, over all sockets. */
  outstanding: number
  /** UDP sockets (source ports); default min(4, outstanding). At most 256 outstanding each. */
  sockets?: number
  warmupSeconds: number
  seconds: number
  /** A request not answered within this is a timeout (never retransmitted). Default 2000 ms. */
  timeoutMs?: number
  /** The next request to send; undefined: nothing more to send. */
  next: () => RequestSpec | undefined
  /** Cumulative CPU seconds of the server under test, read at the window's edges. */
  serverCpu?: () => number
  /** Called as the measuring window opens and closes (to read the server's own counters). */
  onWindow?: (edge: 'start' | 'end') => void
}

export interface LoadResult {
  outstanding: number
  sockets: number
  /** The measuring window, seconds. */
  seconds: number
  /** Verified replies received in the window. */
  completed: number
  perSecond: number
  /** Latency of the window's replies, milliseconds. */
  p50: number
  p99: number
  p999: number
  max: number
  mean: number
  /** Over the window: replies by code. */
  accepts: number
  rejects: number
  acks: number
  otherCodes: number
  /** Over the whole run (warm-up, window and drain): failures. */
  badReplies: number
  unexpected: number
  timeouts: number
  /** Replies (whole run) that carried a Message-Authenticator, of those verified. */
  withMessageAuthenticator: number
  verified: number
  sent: number
  /** CPU used during the window, as a fraction of one core. */
  generatorCpu: number
  serverCpu: number
  /** CPU used in the window by every other process on the machine, in cores: should be near 0. */
  otherCpu: number
  /** Interrupt handling in the window (softirq: the kernel's UDP work), in cores. */
  interruptCpu: number
  /** The window on the monotonic clock (process.hrtime, µs): to pick a CPU profile's samples. */
  window: [number, number]
}

interface Pending {
  sentAt: number
  authenticator: Buffer
}

const QUARANTINE_MS = 10_000
const MESSAGE_AUTHENTICATOR = 80

/** Request authenticators drawn from a pool refilled in large blocks (one syscall per 4096 requests). */
class Authenticators {
  #pool = randomBytes(16 * 4096)
  #pos = 0
  next(): Buffer {
    if (this.#pos === this.#pool.length) {
      this.#pool = randomBytes(this.#pool.length)
      this.#pos = 0
    }
    const a = this.#pool.subarray(this.#pos, this.#pos + 16)
    this.#pos += 16
    return a
  }
}

/** One request on the wire; Access-Request and Status-Server get a fresh Request Authenticator. */
function encodeSpec(spec: RequestSpec, identifier: number, secret: string, auth: Authenticators): Buffer {
  return encodeRequest({
    code: spec.code,
    identifier,
    attributes: spec.attributes,
    secret,
    password: spec.password,
    messageAuthenticator: spec.messageAuthenticator,
    authenticator: spec.code === Code.AccessRequest || spec.code === Code.StatusServer ? auth.next() : undefined,
  })
}

function hasMessageAuthenticator(raw: Buffer): boolean {
  const length = Math.min(raw.length, raw.readUInt16BE(2))
  for (let pos = 20; pos + 2 <= length; ) {
    if (raw[pos] === MESSAGE_AUTHENTICATOR) return true
    const len = raw[pos + 1]!
    if (len < 2) return false
    pos += len
  }
  return false
}

/** A growable array of latency samples (ms). */
class Samples {
  #data = new Float64Array(1 << 16)
  length = 0
  push(v: number) {
    if (this.length === this.#data.length) {
      const bigger = new Float64Array(this.#data.length * 2)
      bigger.set(this.#data)
      this.#data = bigger
    }
    this.#data[this.length++] = v
  }
  sorted(): Float64Array {
    return this.#data.slice(0, this.length).sort()
  }
}

function percentile(sorted: Float64Array, p: number): number {
  if (!sorted.length) return NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const host = opts.host ?? '127.0.0.1'
  const timeoutMs = opts.timeoutMs ?? 2000
  const socketCount = Math.max(1, Math.min(opts.sockets ?? 4, opts.outstanding))
  if (opts.outstanding / socketCount > 256) throw new RangeError('more than 256 outstanding on one socket: add sockets')
  const auth = new Authenticators()
  const samples = new Samples()
  const c = {
    sent: 0,
    completed: 0,
    accepts: 0,
    rejects: 0,
    acks: 0,
    otherCodes: 0,
    badReplies: 0,
    unexpected: 0,
    timeouts: 0,
    withMa: 0,
    verified: 0,
  }
  type Phase = 'warmup' | 'measure' | 'drain'
  let phase: Phase = 'warmup'
  let exhausted = false
  let inFlightTotal = 0
  // Resolved once nothing is outstanding and nothing more will be sent (drain, or a finite source used up).
  let finish!: () => void
  const finished = new Promise<void>((resolve) => (finish = resolve))

  class Lane {
    readonly socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024, sendBufferSize: 4 * 1024 * 1024 })
    readonly pending: (Pending | undefined)[] = new Array(256).fill(undefined)
    // Free Identifiers in FIFO order: each one is used again only after the 255 others.
    readonly free: number[] = Array.from({ length: 256 }, (_, i) => i)
    readonly quarantine: { id: number; until: number }[] = []
    inFlight = 0

    constructor(readonly limit: number) {
      this.socket.on('message', (msg) => this.receive(msg))
      this.socket.on('error', () => c.unexpected++)
    }

    async open() {
      await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', () => resolve()))
      // Connected: no address lookup per send, and only the server's datagrams come in.
      await new Promise<void>((resolve) => this.socket.connect(opts.port, host, () => resolve()))
    }

    fill() {
      while (phase !== 'drain' && !exhausted && this.inFlight < this.limit && this.free.length) {
        const spec = opts.next()
        if (!spec) {
          exhausted = true
          if (inFlightTotal === 0) finish()
          break
        }
        const id = this.free.shift()!
        const raw = encodeSpec(spec, id, opts.secret, auth)
        this.pending[id] = { sentAt: performance.now(), authenticator: raw.subarray(4, 20) }
        this.inFlight++
        inFlightTotal++
        c.sent++
        this.socket.send(raw)
      }
    }

    #settle(id: number) {
      this.pending[id] = undefined
      this.inFlight--
      if (--inFlightTotal === 0 && (exhausted || phase === 'drain')) finish()
    }

    receive(msg: Buffer) {
      const now = performance.now()
      if (msg.length < 20) {
        c.unexpected++
        return
      }
      const id = msg[1]!
      const p = this.pending[id]
      if (!p) {
        // No request with this Identifier waits: a late reply to a timed-out one, or a stray.
        c.unexpected++
        return
      }
      this.#settle(id)
      this.free.push(id)
      if (!verifyResponse(msg, p.authenticator, opts.secret)) {
        c.badReplies++
      } else {
        c.verified++
        if (hasMessageAuthenticator(msg)) c.withMa++
        if (phase === 'measure') {
          c.completed++
          samples.push(now - p.sentAt)
          const code = msg[0]
          if (code === Code.AccessAccept) c.accepts++
          else if (code === Code.AccessReject) c.rejects++
          else if (code === Code.AccountingResponse) c.acks++
          else c.otherCodes++
        }
      }
      this.fill()
    }

    expire(now: number) {
      for (let id = 0; id < 256; id++) {
        const p = this.pending[id]
        if (p && now - p.sentAt > timeoutMs) {
          c.timeouts++
          this.#settle(id)
          // A late answer must not be taken for the next request with this Identifier.
          this.quarantine.push({ id, until: now + QUARANTINE_MS })
        }
      }
      while (this.quarantine.length && this.quarantine[0]!.until <= now) this.free.push(this.quarantine.shift()!.id)
      this.fill()
    }

    close() {
      this.socket.close()
    }
  }

  const lanes = Array.from({ length: socketCount }, (_, i) => new Lane(Math.floor(opts.outstanding / socketCount) + (i < opts.outstanding % socketCount ? 1 : 0)))
  await Promise.all(lanes.map((l) => l.open()))
  const ticker = setInterval(() => {
    const now = performance.now()
    for (const l of lanes) l.expire(now)
  }, 20)

  // A phase ends when its time is up, or earlier when a finite source is used up and answered.
  const phaseOver = async (seconds: number) => {
    let timer: NodeJS.Timeout | undefined
    await Promise.race([finished, new Promise((r) => (timer = setTimeout(r, seconds * 1000)))])
    clearTimeout(timer)
  }
  for (const l of lanes) l.fill()
  if (opts.warmupSeconds > 0) await phaseOver(opts.warmupSeconds)

  const cpu0 = process.cpuUsage()
  const server0 = opts.serverCpu?.() ?? 0
  const machine0 = machineCpu()
  const t0 = performance.now()
  const h0 = process.hrtime.bigint()
  opts.onWindow?.('start')
  phase = 'measure'
  await phaseOver(opts.seconds)
  phase = 'drain'
  const t1 = performance.now()
  const h1 = process.hrtime.bigint()
  opts.onWindow?.('end')
  const cpu1 = process.cpuUsage(cpu0)
  const server1 = opts.serverCpu?.() ?? 0
  const machine1 = machineCpu()

  if (inFlightTotal > 0) await finished
  clearInterval(ticker)
  for (const l of lanes) l.close()

  const seconds = (t1 - t0) / 1000
  const sorted = samples.sorted()
  let sum = 0
  for (const v of sorted) sum += v
  return {
    outstanding: opts.outstanding,
    sockets: socketCount,
    seconds,
    completed: c.completed,
    perSecond: c.completed / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
    mean: sorted.length ? sum / sorted.length : NaN,
    accepts: c.accepts,
    rejects: c.rejects,
    acks: c.acks,
    otherCodes: c.otherCodes,
    badReplies: c.badReplies,
    unexpected: c.unexpected,
    timeouts: c.timeouts,
    withMessageAuthenticator: c.withMa,
    verified: c.verified,
    sent: c.sent,
    generatorCpu: (cpu1.user + cpu1.system) / 1e6 / seconds,
    serverCpu: opts.serverCpu ? (server1 - server0) / seconds : NaN,
    otherCpu: opts.serverCpu ? Math.max(0, (machine1.tasks - machine0.tasks - (server1 - server0)) / seconds - (cpu1.user + cpu1.system) / 1e6 / seconds) : NaN,
    interruptCpu: (machine1.interrupts - machine0.interrupts) / seconds,
    window: [Number(h0 / 1000n), Number(h1 / 1000n)],
  }
}

/** Latencies of a paced prober (startProbe), by kind of request. */
export interface ProbeResult {
  /** Per kind (the spec's `kind`): replies in time, p50/p99/max latency (ms), timeouts. */
  kinds: Record<string, { answered: number; p50: number; p99: number; max: number; timeouts: number; rejects: number }>
}

/**
 * An open-loop prober beside a load run: one request every 1000/`rate` ms
 * from its own socket, whatever the server's backlog, each timed from send to
 * verified reply (a closed loop would wait for a slow answer and so sample
 * fewer of the slow moments). Runs until stop() is called.
 */
export function startProbe(opts: { port: number; secret: string; rate: number; timeoutMs?: number; next: () => RequestSpec & { kind: string } }): { stop(): Promise<ProbeResult> } {
  const timeoutMs = opts.timeoutMs ?? 2000
  const socket = dgram.createSocket('udp4')
  const auth = new Authenticators()
  const pending = new Map<number, { sentAt: number; authenticator: Buffer; kind: string }>()
  const samples = new Map<string, { lat: number[]; timeouts: number; rejects: number }>()
  const of = (kind: string) => {
    let s = samples.get(kind)
    if (!s) samples.set(kind, (s = { lat: [], timeouts: 0, rejects: 0 }))
    return s
  }
  let id = 0
  let ready = false
  socket.on('message', (msg) => {
    const now = performance.now()
    const p = pending.get(msg[1]!)
    if (!p || !verifyResponse(msg, p.authenticator, opts.secret)) return
    pending.delete(msg[1]!)
    const s = of(p.kind)
    s.lat.push(now - p.sentAt)
    if (msg[0] === Code.AccessReject) s.rejects++
  })
  socket.on('error', () => {})
  socket.bind(0, '127.0.0.1', () => socket.connect(opts.port, '127.0.0.1', () => (ready = true)))
  const interval = 1000 / opts.rate
  const started = performance.now()
  let sent = 0
  const timer = setInterval(() => {
    if (!ready) return
    const now = performance.now()
    for (const [i, p] of pending) {
      if (now - p.sentAt > timeoutMs) {
        of(p.kind).timeouts++
        pending.delete(i)
      }
    }
    // Catch up on sends a late timer missed: the pace is kept, not the timer's.
    while (sent < (now - started) / interval) {
      sent++
      const spec = opts.next()
      id = (id + 1) & 255
      if (pending.has(id)) continue
      const raw = encodeSpec(spec, id, opts.secret, auth)
      pending.set(id, { sentAt: performance.now(), authenticator: raw.subarray(4, 20), kind: spec.kind })
      socket.send(raw)
    }
  }, Math.max(1, Math.floor(interval)))
  return {
    async stop() {
      clearInterval(timer)
      const until = performance.now() + timeoutMs
      while (pending.size && performance.now() < until) await new Promise((r) => setTimeout(r, 10))
      for (const p of pending.values()) of(p.kind).timeouts++
      socket.close()
      const kinds: ProbeResult['kinds'] = {}
      for (const [kind, s] of samples) {
        const sorted = Float64Array.from(s.lat).sort()
        kinds[kind] = { answered: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.length ? sorted[sorted.length - 1]! : NaN, timeouts: s.timeouts, rejects: s.rejects }
      }
      return { kinds }
    },
  }
}

// ---- Request sources ----

/** The i-th user's MAC (locally administered), in the dashed form CoovaChilli sends. */
export function macOf(i: number): string {
  const hex = (0x020000000000 + i).toString(16).padStart(12, '0').toUpperCase()
  return hex.match(/../g)!.join('-')
}

const ipOf = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`

/** What a CoovaChilli hotspot sends around a login, less the per-request parts. */
function nasAttributes(i: number): RawAttribute[] {
  return [
    attr('NAS-IP-Address', '127.0.0.1'),
    attr('NAS-Identifier', 'bench-nas'),
    attr('NAS-Port-Type', 'Wireless-802.11'),
    attr('Called-Station-Id', 'AA-BB-CC-DD-EE-01:CityWiFi'),
    attr('Calling-Station-Id', macOf(i)),
    attr('Framed-IP-Address', ipOf(i)),
  ]
}

/**
 * PAP Access-Requests cycling over the users: User-Name = User-Password =
 * the code, each user with its own Calling-Station-Id, macOf(firstUser + its
 * index) (Message-Authenticator is added by encodeRequest).
 */
export function authRequests(codes: string[], firstUser = 0): () => RequestSpec {
  const specs: RequestSpec[] = codes.map((code, j) => {
    const i = firstUser + j
    return {
      code: Code.AccessRequest,
      password: code,
      attributes: [attr('User-Name', code), attr('Service-Type', 'Login-User'), ...nasAttributes(i), attr('Acct-Session-Id', `a${i.toString(16).padStart(15, '0')}`)],
    }
  })
  let n = 0
  return () => specs[n++ % specs.length]!
}

/** Where the seeded one-time credentials' devices and the consented devices start in macOf's numbering (seed.ts). */
export const CREDENTIAL_MACS = 2_000_000
export const CONSENTED_MACS = 3_000_000

/** One login to make: User-Name, its PAP password, and the device (macOf(mac)) it comes from. */
export interface Login {
  username: string
  password: string
  mac: number
}

/** Each login once, in order, then nothing: first logins of any kind (vouchers, credentials, MAC authentication). */
export function loginsOnce(logins: Login[]): () => RequestSpec | undefined {
  let n = 0
  return () => {
    const l = logins[n++]
    if (!l) return undefined
    return {
      code: Code.AccessRequest,
      password: l.password,
      attributes: [attr('User-Name', l.username), attr('Service-Type', 'Login-User'), ...nasAttributes(l.mac), attr('Acct-Session-Id', `f${l.mac.toString(16).padStart(15, '0')}`)],
    }
  }
}

/**
 * Accounting-Request Starts only, each for a new session of one of the users
 * (each session once): sessions the server did not see log in.
 */
export function accountingStarts(codes: string[], tag: string): () => RequestSpec {
  let n = 0
  return () => {
    const i = n % codes.length
    const round = Math.floor(n / codes.length)
    n++
    return { code: Code.AccountingRequest, attributes: [attr('Acct-Status-Type', 'Start'), attr('Acct-Session-Id', `${tag}-${round}-${i}`), attr('User-Name', codes[i]!), ...nasAttributes(i)] }
  }
}

/** Each user once, then nothing: first logins, or filling citywifi's cache before measuring. */
export function eachUserOnce(codes: string[], firstUser = 0): () => RequestSpec | undefined {
  const next = authRequests(codes, firstUser)
  let n = 0
  return () => (n++ < codes.length ? next() : undefined)
}

/**
 * Accounting for `codes.length` sessions at a time, one per user, in rounds:
 * every session's Start, then every Interim-Update, then every Stop; the next
 * round's sessions have new Acct-Session-Ids. `tag` keeps ids of separate
 * runs on one database apart.
 */
export function accountingRequests(codes: string[], tag: string): () => RequestSpec {
  const bases = codes.map((code, i) => [attr('User-Name', code), ...nasAttributes(i)])
  const statuses = ['Start', 'Interim-Update', 'Stop'] as const
  let n = 0
  return () => {
    const i = n % codes.length
    const step = Math.floor(n / codes.length) % 3
    const round = Math.floor(n / (codes.length * 3))
    n++
    const status = statuses[step]!
    const attributes = [attr('Acct-Status-Type', status), attr('Acct-Session-Id', `${tag}-${round}-${i}`), ...bases[i]!]
    if (step > 0) {
      const t = step * 300
      attributes.push(attr('Acct-Session-Time', t), attr('Acct-Input-Octets', t * 1000 + i), attr('Acct-Output-Octets', t * 5000 + i))
    }
    if (status === 'Stop') attributes.push(attr('Acct-Terminate-Cause', 'User-Request'))
    return { code: Code.AccountingRequest, attributes }
  }
}

/** One line per result. */
export function describeResult(name: string, r: LoadResult): string {
  const errors = r.timeouts + r.badReplies + r.unexpected
  return (
    `${name}: ${int(r.perSecond)}/s over ${r.seconds.toFixed(1)} s at ${r.outstanding} outstanding (${r.sockets} sockets); ` +
    `p50 ${ms(r.p50)} ms, p99 ${ms(r.p99)} ms, p99.9 ${ms(r.p999)} ms, max ${ms(r.max)} ms; ` +
    `accept ${int(r.accepts)}, reject ${int(r.rejects)}, ack ${int(r.acks)}; ` +
    `errors ${errors} (timeouts ${r.timeouts}, bad ${r.badReplies}, unexpected ${r.unexpected}); ` +
    `CPU generator ${Math.round(r.generatorCpu * 100)}%` +
    (Number.isFinite(r.serverCpu) ? `, server ${Math.round(r.serverCpu * 100)}%, others ${Math.round(r.otherCpu * 100)}%, softirq ${Math.round(r.interruptCpu * 100)}%` : '')
  )
}

// ---- Command line ----

async function cli() {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
      secret: { type: 'string' },
      users: { type: 'string' },
      acct: { type: 'boolean', default: false },
      outstanding: { type: 'string', default: '64' },
      sockets: { type: 'string' },
      seconds: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      timeout: { type: 'string', default: '2000' },
      json: { type: 'boolean', default: false },
    },
  })
  if (!values.port || !values.secret || !values.users) {
    console.error('usage: radius-load.ts --port P --secret S --users codes.txt [--acct] [--outstanding N] [--sockets K] [--seconds S] [--warmup S] [--timeout MS] [--json]')
    process.exit(2)
  }
  const codes = fs
    .readFileSync(values.users, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
  const result = await runLoad({
    host: values.host,
    port: Number(values.port),
    secret: values.secret,
    outstanding: Number(values.outstanding),
    sockets: values.sockets ? Number(values.sockets) : undefined,
    seconds: Number(values.seconds),
    warmupSeconds: Number(values.warmup),
    timeoutMs: Number(values.timeout),
    next: values.acct ? accountingRequests(codes, `cli${Date.now().toString(36)}`) : authRequests(codes),
  })
  console.log(values.json ? JSON.stringify(result) : describeResult(values.acct ? 'accounting' : 'access', result))
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await cli()
