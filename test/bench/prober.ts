// The paced prober of the first-login storm (radius-load.ts startProbe) in a
// process of its own. In the generator's process a reply waited for the
// generator's own work and garbage collection before it was timed, and the
// prober then reported the generator's pauses as the server's. Forked, it
// inherits the generator's core (taskset) but not its event loop or heap.
//
// The parent: forkProber(), then start() and stop() around each measuring
// window, close() at the end. The child: this file, run by fork().
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { statusServer } from './probe.js'
import { authRequests, startProbe, type ProbeResult } from './radius-load.js'

export interface ProberOptions {
  port: number
  secret: string
  /** Requests per second, cached users and Status-Server in turn. */
  rate: number
  timeoutMs: number
  /** Users already in the server's cache (their codes are their passwords). */
  users: string[]
}

type ToChild = { type: 'start'; options: ProberOptions } | { type: 'stop' } | { type: 'exit' }
type FromChild = { type: 'ready' } | { type: 'started' } | { type: 'result'; result: ProbeResult }

export interface Prober {
  pid: number | undefined
  /** Starts probing; resolves once the first request can go. */
  start(): Promise<void>
  stop(): Promise<ProbeResult>
  close(): void
}

/** A prober process, ready to start (the caller's CPU affinity is inherited). */
export async function forkProber(options: ProberOptions): Promise<Prober> {
  const child = fork(fileURLToPath(import.meta.url), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const next = (type: FromChild['type']) =>
    new Promise<FromChild>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the prober exited (${code}) before '${type}'`))
      child.once('exit', onExit)
      const onMessage = (m: FromChild) => {
        if (m.type !== type) return
        child.off('message', onMessage)
        child.off('exit', onExit)
        resolve(m)
      }
      child.on('message', onMessage)
    })
  await next('ready')
  const send = (m: ToChild) => child.send(m)
  return {
    pid: child.pid,
    async start() {
      const started = next('started')
      send({ type: 'start', options })
      await started
    },
    async stop() {
      const result = next('result')
      send({ type: 'stop' })
      return ((await result) as Extract<FromChild, { type: 'result' }>).result
    },
    close() {
      if (child.connected) send({ type: 'exit' })
      else child.kill()
    },
  }
}

function runChild(parent: ChildProcess | NodeJS.Process) {
  let running: ReturnType<typeof startProbe> | undefined
  const reply = (m: FromChild) => parent.send!(m)
  parent.on('message', async (m: ToChild) => {
    if (m.type === 'start') {
      const cached = authRequests(m.options.users)
      let n = 0
      running = startProbe({
        port: m.options.port,
        secret: m.options.secret,
        rate: m.options.rate,
        timeoutMs: m.options.timeoutMs,
        next: () => (n++ % 2 ? { ...statusServer, kind: 'Status-Server' } : { ...cached(), kind: 'cached user' }),
      })
      reply({ type: 'started' })
    } else if (m.type === 'stop') {
      const result = running ? await running.stop() : { kinds: {} }
      running = undefined
      reply({ type: 'result', result })
    } else {
      process.disconnect()
    }
  })
  reply({ type: 'ready' })
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.send) runChild(process)
