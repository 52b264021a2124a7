// The embedded database's thread and V8's helper threads (concurrent marking,
// compilers, sweepers) share the cores with RADIUS's thread. The database's
// thread at nice 10 still held the core for a scheduler tick (4 ms here)
// whenever RADIUS's thread woke during its slice, and around a mark-compact
// the four helpers, at nice 0, held it for 16–28 ms in turns
// (test/bench/holds.mjs, docs/performance.md, 1 December): most of a
// first-login storm's p99 for Status-Server and cached users.
// Under SCHED_IDLE a thread runs only when no normal thread of the core
// wants to, and a waking normal thread takes the core at once.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'

export const SCHED_IDLE = 5

/** Linux's scheduling policy of a thread of this process (field 41 of its stat), or undefined once it has ended. */
export function threadPolicy(tid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'latin1')
    // The command name (field 2) may hold spaces: count from after it, where field 3 starts.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[41 - 3])
  } catch {
    return undefined
  }
}

/** This process's threads but the main one (Linux; none elsewhere). */
export function otherThreads(): number[] {
  try {
    return fs
      .readdirSync('/proc/self/task')
      .map(Number)
      .filter((tid) => tid !== process.pid)
  } catch {
    return []
  }
}

/**
 * Every thread of this process but the main one to SCHED_IDLE, through
 * util-linux's chrt (Node has no call for a thread's scheduling policy, and a
 * native addon for one system call is more to build than a program every
 * Debian has). Threads the main thread starts later keep its policy.
 * Returns the threads changed, or why it could not.
 */
export function idleOtherThreads(): { changed: number; problem?: string } {
  let changed = 0
  for (const tid of otherThreads()) {
    const policy = threadPolicy(tid)
    if (policy === undefined || policy === SCHED_IDLE) continue
    try {
      execFileSync('chrt', ['--idle', '--pid', '0', String(tid)], { stdio: 'ignore' })
      changed++
    } catch (err) {
      // Gone meanwhile is fine; no chrt, or not allowed, is worth one warning.
      if (threadPolicy(tid) === undefined) continue
      return { changed, problem: `chrt --idle --pid 0 ${tid} failed: ${(err as Error).message}` }
    }
  }
  return { changed }
}
