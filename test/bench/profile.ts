// Where citywifi's RADIUS process spends its CPU under the benchmark's load:
// runs it with `node --cpu-prof` on a fresh, seeded database, fills its cache
// (each user once), loads it for --seconds, stops it cleanly (the profile is
// written at exit) and prints the functions with the most self time and the
// share of each package, counting only samples inside the measuring window.
// --mode first: first logins instead, vouchers never used, each on a new device
// and each code once (--first N of them), no cache fill before.
//   node --import tsx test/bench/profile.ts [--db embedded|postgres] [--mode auth|acct|first]
//     [--outstanding 64] [--seconds 20] [--users N] [--top 30] [--keep]
// --users N: load only the first N of the 10,000 users (100: all of them stay cached).
// --keep leaves the .cpuprofile (open it in Chrome DevTools) and prints its path.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { launchCitywifi, prepareDatabase, type DbKind } from './citywifi-server.js'
import { table } from './proc.js'
import { accountingRequests, authRequests, describeResult, eachUserOnce, loginsOnce, runLoad } from './radius-load.js'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
  children?: number[]
}
interface CpuProfile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

export interface ProfileSummary {
  /** Milliseconds of samples counted. */
  totalMs: number
  windowed: boolean
  functions: { name: string; where: string; selfMs: number; share: number }[]
  packages: { name: string; selfMs: number; share: number }[]
}

function shortUrl(url: string): string {
  if (!url) return ''
  const p = url.replace(/^file:\/\//, '')
  const nm = p.lastIndexOf('/node_modules/')
  if (nm >= 0) return p.slice(nm + '/node_modules/'.length)
  const root = p.indexOf('/dist/')
  return root >= 0 ? p.slice(root + 1) : p
}

/** A sample's "package": a node_modules package, a folder of citywifi, node's own code, or V8's pseudo-frames. */
function packageOf(node: ProfileNode): string {
  const url = node.callFrame.url
  if (!url) return node.callFrame.functionName.startsWith('(') ? node.callFrame.functionName : '(native)'
  if (url.startsWith('node:')) return 'node internals'
  const p = url.replace(/^file:\/\//, '')
  const nm = p.lastIndexOf('/node_modules/')
  if (nm >= 0) {
    const rest = p.slice(nm + '/node_modules/'.length).split('/')
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!
  }
  const m = p.match(/\/dist\/([^/]+)\//)
  return m ? `citywifi ${m[1]}/` : shortUrl(url)
}

/** Self time by function and by package, from samples between window[0] and window[1] (µs, monotonic clock) when given. */
export function summarizeProfile(file: string, window?: [number, number], top = 30): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  // Only when the window lies inside the profile: the clocks are then the same one.
  const windowed = !!window && window[0] >= profile.startTime && window[1] <= profile.endTime
  const self = new Map<number, number>()
  let t = profile.startTime
  let total = 0
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0
    t += delta
    if (windowed && (t < window![0] || t > window![1])) continue
    const id = profile.samples[i]!
    // A sample's time is the gap to the next one, which timeDeltas[i + 1] holds.
    const d = profile.timeDeltas[i + 1] ?? delta
    self.set(id, (self.get(id) ?? 0) + d)
    total += d
  }
  const fns = new Map<string, { name: string; where: string; selfMs: number }>()
  const pkgs = new Map<string, number>()
  for (const [id, us] of self) {
    const n = byId.get(id)!
    const f = n.callFrame
    const name = f.functionName || '(anonymous)'
    const where = f.url ? `${shortUrl(f.url)}:${f.lineNumber + 1}` : ''
    const key = `${name}|${where}`
    const e = fns.get(key) ?? { name, where, selfMs: 0 }
    e.selfMs += us / 1000
    fns.set(key, e)
    const pkg = packageOf(n)
    pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + us / 1000)
  }
  const totalMs = total / 1000
  return {
    totalMs,
    windowed,
    functions: [...fns.values()]
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, top)
      .map((f) => ({ ...f, share: f.selfMs / totalMs })),
    packages: [...pkgs.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([name, selfMs]) => ({ name, selfMs, share: selfMs / totalMs })),
  }
}

export function printProfile(s: ProfileSummary): void {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`
  console.log(`\n${Math.round(s.totalMs).toLocaleString('en-US')} ms of samples${s.windowed ? ' inside the measuring window' : ' (whole run: the window could not be placed)'}`)
  console.log('\nSelf time by package:')
  console.log(table(['package', 'self ms', 'share'], s.packages.filter((p) => p.share >= 0.005).map((p) => [p.name, Math.round(p.selfMs).toLocaleString('en-US'), pct(p.share)])))
  console.log('\nTop functions by self time:')
  console.log(table(['function', 'where', 'self ms', 'share'], s.functions.map((f) => [f.name, f.where, Math.round(f.selfMs).toLocaleString('en-US'), pct(f.share)])))
}

async function main() {
  const { values } = parseArgs({
    options: {
      db: { type: 'string', default: 'postgres' },
      mode: { type: 'string', default: 'auth' },
      outstanding: { type: 'string' },
      seconds: { type: 'string', default: '20' },
      vouchers: { type: 'string', default: '10000' },
      // Cycle over the first N users only (e.g. 100: every one stays in citywifi's cache).
      users: { type: 'string' },
      top: { type: 'string', default: '30' },
      keep: { type: 'boolean', default: false },
      first: { type: 'string', default: '20000' },
    },
  })
  const first = values.mode === 'first'
  const kind = values.db as DbKind
  if (kind !== 'embedded' && kind !== 'postgres') throw new Error('--db embedded|postgres')
  const acct = values.mode === 'acct'
  const outstanding = Number(values.outstanding ?? (acct ? 256 : 64))
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cwprof-'))
  const db = await prepareDatabase(kind, { vouchers: first ? 100 : Number(values.vouchers), freshVouchers: first ? Number(values.first) : 0 })
  let window: [number, number] | undefined
  try {
    const cw = await launchCitywifi(db, { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] })
    try {
      const base = { secret: db.secret, serverCpu: cw.cpu }
      const users = values.users ? db.codes.slice(0, Number(values.users)) : db.codes
      if (!first) console.log(describeResult(`each user once (${kind})`, await runLoad({ ...base, port: db.authPort, outstanding: 64, warmupSeconds: 0, seconds: 600, next: eachUserOnce(db.codes) })))
      const r = await runLoad({
        ...base,
        port: acct ? db.acctPort : db.authPort,
        outstanding,
        warmupSeconds: 2,
        seconds: Number(values.seconds),
        next: first ? loginsOnce(db.fresh.map((c, j) => ({ username: c, password: c, mac: 100 + j }))) : acct ? accountingRequests(users, `prof${Date.now().toString(36)}`) : authRequests(users),
      })
      console.log(describeResult(`${first ? 'first logins' : acct ? 'accounting' : 'access'} (${kind}, profiled)`, r))
      window = r.window
    } finally {
      console.log(`citywifi stopped: exit ${await cw.stop()}`)
      if (process.env.BENCH_SHOW_OUTPUT) console.log(cw.child.output())
    }
  } finally {
    await db.remove()
  }
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
  if (!file) throw new Error(`no .cpuprofile in ${dir}: did citywifi exit cleanly?`)
  printProfile(summarizeProfile(path.join(dir, file), window, Number(values.top)))
  if (values.keep) console.log(`\nprofile: ${path.join(dir, file)}`)
  else fs.rmSync(dir, { recursive: true, force: true })
}

await main()
