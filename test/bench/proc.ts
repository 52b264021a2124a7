// Small helpers for the benchmarks: /proc readings (RSS, CPU time), free
// ports, child processes that are always stopped, and number formatting.
import { type ChildProcess, execFileSync, spawn, type SpawnOptions } from 'node:child_process'
import fs from 'node:fs'

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on every Linux we run on). */
const TICKS = 100

/** VmRSS of a process in MiB, or NaN when it is gone. */
export function rssMiB(pid: number): number {
  try {
    const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m)
    return m ? Number(m[1]) / 1024 : NaN
  } catch {
    return NaN
  }
}

/** The process and its descendants still running (a citywifi primary and its RADIUS workers). */
export function processTree(pid: number): number[] {
  const parents = new Map<number, number[]>()
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      const list = parents.get(ppid) ?? []
      list.push(Number(name))
      parents.set(ppid, list)
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = []
  const walk = (p: number) => {
    out.push(p)
    for (const c of parents.get(p) ?? []) walk(c)
  }
  walk(pid)
  return out
}

/** User + system CPU seconds of a /proc stat file (a process's, all its threads; or one thread's), or 0 when it is gone. */
function statCpuSeconds(file: string): number {
  try {
    const stat = fs.readFileSync(file, 'utf8')
    // The command name may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / TICKS
  } catch {
    return 0
  }
}

/** User + system CPU seconds a process has used so far (all its threads), or 0 when it is gone. */
export function cpuSeconds(pid: number): number {
  return statCpuSeconds(`/proc/${pid}/stat`)
}

export interface ThreadCpu {
  /** The main thread (RADIUS's event loop in `citywifi radius`). */
  main: number
  /** The embedded database's thread (named citywifi-db by core/db/pglite-worker.ts). */
  database: number
  /** The rest: V8's garbage-collection helpers, libuv's pool. */
  other: number
}

/** A process's CPU seconds so far, split by thread. */
export function threadCpuSeconds(pid: number): ThreadCpu {
  const out: ThreadCpu = { main: 0, database: 0, other: 0 }
  let tids: string[]
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`)
  } catch {
    return out
  }
  for (const tid of tids) {
    const secs = statCpuSeconds(`/proc/${pid}/task/${tid}/stat`)
    let comm = ''
    try {
      comm = fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim()
    } catch {
      // gone meanwhile
    }
    if (Number(tid) === pid) out.main += secs
    else if (comm === 'citywifi-db') out.database += secs
    else out.other += secs
  }
  return out
}

/**
 * CPU seconds of the processes whose command line matches (the PostgreSQL
 * backends of one database, say), including those that have exited since an
 * earlier call: call it now and then (track) so that short-lived ones count.
 */
export class ProcessGroupCpu {
  readonly #seen = new Map<number, number>()
  #timer: NodeJS.Timeout | undefined
  constructor(private readonly pattern: RegExp) {}

  total(): number {
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue
      let cmd: string
      try {
        cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'latin1')
      } catch {
        continue
      }
      if (!this.pattern.test(cmd)) continue
      const pid = Number(entry)
      const cpu = cpuSeconds(pid)
      if (cpu >= (this.#seen.get(pid) ?? 0)) this.#seen.set(pid, cpu)
    }
    let sum = 0
    for (const v of this.#seen.values()) sum += v
    return sum
  }

  /** Samples every `ms` until untrack(). */
  track(ms = 500): void {
    this.#timer ??= setInterval(() => this.total(), ms)
    this.#timer.unref()
  }

  untrack(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }
}

/**
 * CPU seconds the machine's tasks have used (all cores; /proc/stat user, nice,
 * system, steal), and its interrupt handling (irq, softirq: much of UDP over
 * loopback is done there, charged to no process).
 */
export function machineCpu(): { tasks: number; interrupts: number } {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number)
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f
  return { tasks: (user + nice + system + steal) / TICKS, interrupts: (irq + softirq) / TICKS }
}

/**
 * Waits (up to `limitMs`) for a second in which processes other than
 * `ours()` keep less than `maxCores` busy; returns what they used in the last
 * second sampled, in cores. A benchmark sharing two cores with a test suite
 * measures the test suite.
 */
export async function waitForQuiet(ours: () => number, opts: { maxCores?: number; limitMs?: number; onWait?: (busy: number) => void } = {}): Promise<number> {
  const until = Date.now() + (opts.limitMs ?? 120_000)
  let told = false
  for (;;) {
    const [m0, o0, t0] = [machineCpu().tasks, ours() + selfCpu(), performance.now()]
    await sleep(1000)
    const others = (machineCpu().tasks - m0 - (ours() + selfCpu() - o0)) / ((performance.now() - t0) / 1000)
    if (others < (opts.maxCores ?? 0.15) || Date.now() > until) return Math.max(0, others)
    if (!told) opts.onWait?.(others)
    told = true
  }
}

function selfCpu(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

// ---- CPU pinning (taskset) ----

let childCpus: string | undefined

/** Runs taskset; false when it is missing or refuses. */
function taskset(args: string[]): boolean {
  try {
    execFileSync('taskset', args, { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/**
 * Pins this process (the load generator: every thread) to one core; the
 * servers it starts afterwards (startChild) get every core back, so that only
 * the generator is confined. False when taskset is missing.
 */
export function pinGenerator(cpu: number, cpus: number): boolean {
  if (!taskset(['-a', '-cp', String(cpu), String(process.pid)])) return false
  childCpus = `0-${cpus - 1}`
  return true
}

/** Pins running processes (every thread of each) to the given cores ("0", "0-1"). */
export function pin(pids: number[], cpus: string): boolean {
  return pids.every((pid) => taskset(['-a', '-cp', cpus, String(pid)]))
}

const children = new Set<ChildProcess>()

/** Stops every child still running when this process ends, however it ends. */
function killChildren() {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
}
process.on('exit', killChildren)
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    killChildren()
    process.exit(130)
  })
}

export interface Child {
  proc: ChildProcess
  pid: number
  /** What it wrote to stdout and stderr (the last 64 KiB), for error messages. */
  output(): string
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (or signal name). */
  stop(graceMs?: number): Promise<string>
  exited: Promise<string>
}

export function startChild(command: string, args: string[], options: SpawnOptions & { echo?: boolean } = {}): Child {
  // taskset execs the command: the pid is the command's own.
  const proc = childCpus ? spawn('taskset', ['-c', childCpus, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...options }) : spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options })
  if (proc.pid === undefined) throw new Error(`could not start ${command}`)
  children.add(proc)
  let out = ''
  const keep = (chunk: Buffer) => {
    out = (out + chunk.toString('utf8')).slice(-65_536)
    if (options.echo) process.stderr.write(chunk)
  }
  proc.stdout?.on('data', keep)
  proc.stderr?.on('data', keep)
  const exited = new Promise<string>((resolve) => {
    proc.on('exit', (code, signal) => {
      children.delete(proc)
      resolve(code !== null ? String(code) : String(signal))
    })
  })
  return {
    proc,
    pid: proc.pid,
    output: () => out,
    exited,
    async stop(graceMs = 10_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return exited
      proc.kill('SIGTERM')
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs)
      const result = await exited
      clearTimeout(timer)
      return result
    },
  }
}

/** Runs a command to completion; rejects with its output when it fails. */
export async function run(command: string, args: string[], options: SpawnOptions = {}): Promise<string> {
  const child = startChild(command, args, options)
  const code = await child.exited
  if (code !== '0') throw new Error(`${command} ${args.join(' ')} exited with ${code}:\n${child.output()}`)
  return child.output()
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

// ---- Formatting ----

export const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–')
export const ms = (n: number) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0)) : '–')
export const ratio = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '–')

/** A plain-text table with right-aligned columns after the first. */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}
