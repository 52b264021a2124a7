// What holds the RADIUS thread's event loop in a storm: a 1 ms timer notes
// every turn it was late by more than HOLDS_MS (default 3), each with the
// collections that overlapped it (from the 'gc' performance entries) and any
// Map.set() that took over 1 ms itself (a hash table outgrowing its
// capacity rehashes every entry in that one call), and how long the thread
// ran and how long it waited for the core meanwhile. Plain JavaScript, preloaded
// into the compiled service:
//   BENCH_NODE_ARGS="--import $PWD/test/bench/holds.mjs" HOLDS_DIR=/tmp/h … test/bench/radius.ts
// At exit it writes $HOLDS_DIR/<pid>.holds.txt (default /tmp). Diagnostics
// only: the timer and the Map.set wrapper cost the thread a little.
import fs from 'node:fs'
import path from 'node:path'
import { PerformanceObserver, constants, performance } from 'node:perf_hooks'
import { isMainThread } from 'node:worker_threads'

if (isMainThread) {
  const limit = Number(process.env.HOLDS_MS ?? 3)
  const gcs = []
  const sets = []
  const holds = []
  const kinds = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
  }
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push([e.startTime, e.duration, kinds[e.detail?.kind ?? e.kind] ?? 'gc'])
  }).observe({ entryTypes: ['gc'] })

  const set = Map.prototype.set
  Map.prototype.set = function timedSet(k, v) {
    const t = performance.now()
    const r = set.call(this, k, v)
    const d = performance.now() - t
    if (d > 1) sets.push([t, d, this.size])
    return r
  }

  // The thread's own time on the CPU and waiting for it (ns, from the
  // scheduler): a late turn with little of either running is another
  // thread's on the core, not this one's work.
  const fd = fs.openSync('/proc/thread-self/schedstat', 'r')
  const buf = Buffer.alloc(128)
  const sched = () => {
    const s = buf.toString('latin1', 0, fs.readSync(fd, buf, 0, 128, 0)).split(' ')
    return [Number(s[0]) / 1e6, Number(s[1]) / 1e6]
  }
  let last = performance.now()
  let [lastRun, lastWait] = sched()
  setInterval(() => {
    const now = performance.now()
    const [run, wait] = sched()
    if (now - last > limit + 1) holds.push([last, now - last - 1, run - lastRun, wait - lastWait])
    last = now
    lastRun = run
    lastWait = wait
  }, 1).unref()

  process.on('exit', () => {
    const within = (list, a, b) => list.filter(([t, d]) => t < b && t + d > a)
    const lines = [`${holds.length} turns late by more than ${limit} ms; times are seconds since start`]
    let gcOnly = 0
    let waits = 0
    for (const [t, d, run, wait] of holds) {
      const g = within(gcs, t, t + d + 1)
      const s = within(sets, t, t + d + 1)
      const gcMs = g.reduce((a, [, x]) => a + x, 0)
      if (gcMs >= d * 0.5) gcOnly++
      else if (wait >= d * 0.5) waits++
      const what = [...g.map(([, x, k]) => `${k} ${x.toFixed(1)}`), ...s.map(([, x, n]) => `Map.set at ${n} entries ${x.toFixed(1)}`)]
      lines.push(`${(t / 1000).toFixed(2)} s  ${d.toFixed(1)} ms  ran ${run.toFixed(1)}, waited for the core ${wait.toFixed(1)}  ${what.join(', ')}`)
    }
    lines.push(`${gcOnly} of ${holds.length} mostly collection, ${waits} mostly waiting for the core; ${gcs.length} collections in all, ${sets.length} Map.set() calls over 1 ms`)
    fs.writeFileSync(path.join(process.env.HOLDS_DIR ?? '/tmp', `${process.pid}.holds.txt`), lines.join('\n') + '\n')
  })
}
