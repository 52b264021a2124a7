// Runs the real `citywifi` command as an operator would (compiled by `npm test`'s pretest).
import { spawn } from 'node:child_process'
import path from 'node:path'
import { PROJECT_ROOT } from '../../core/db/migrations.js'

export const CLI = path.join(PROJECT_ROOT, 'bin', 'citywifi.js')

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export function runCli(args: string[], opts: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
    child.stdin.end(opts.input ?? '')
  })
}

export interface RunningCli {
  child: ReturnType<typeof spawn>
  output(): string
  /** Resolves with the first match of `pattern` in stdout+stderr, or rejects after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>
  /** Resolves with the exit code and how long after the call it came. */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Starts a long-running citywifi command (start, radius, portal, admin). */
export function spawnCli(args: string[], env: Record<string, string>): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  const listeners = new Set<() => void>()
  const onData = (d: Buffer) => {
    out += d.toString()
    for (const l of listeners) l()
  }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  let exitedFlag = false
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      exitedFlag = true
      for (const l of listeners) l()
      resolve({ code, signal })
    }),
  )
  return {
    child,
    output: () => out,
    waitFor(pattern, ms = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(pattern)
          if (m) {
            done()
            resolve(m)
          } else if (exitedFlag) {
            done()
            reject(new Error(`process exited before ${pattern}; output:\n${out}`))
          }
        }
        const timer = setTimeout(() => {
          done()
          reject(new Error(`timed out after ${ms} ms waiting for ${pattern}; output:\n${out}`))
        }, ms)
        const done = () => {
          clearTimeout(timer)
          listeners.delete(check)
        }
        listeners.add(check)
        check()
      })
    },
    exited: () => exit,
  }
}
