// The functions that allocated most in a sampling heap profile
// (alloc-sampling.mjs): by their own allocations, then with what they called.
//   node --import tsx test/bench/alloc-top.ts <file.heapprofile> [rows]
import fs from 'node:fs'

interface Node {
  callFrame: { functionName: string; url: string; lineNumber: number }
  selfSize: number
  children?: Node[]
}

const [file, rowsArg] = process.argv.slice(2)
if (!file) {
  console.error('usage: alloc-top.ts <file.heapprofile> [rows]')
  process.exit(2)
}
const rows = Number(rowsArg ?? 25)
const { head } = JSON.parse(fs.readFileSync(file, 'utf8')) as { head: Node }
const own = new Map<string, number>()
const inclusive = new Map<string, number>()
const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v)
const name = ({ functionName, url, lineNumber }: Node['callFrame']) =>
  `${functionName || '(anonymous)'} ${url.replace(/^.*\/(dist|node_modules)\//, '')}:${lineNumber + 1}`

// Inclusive sizes count a function once per stack, however often it recurs in it.
function walk(n: Node, onStack: Set<string>): number {
  const key = name(n.callFrame)
  add(own, key, n.selfSize)
  const inner = new Set(onStack).add(key)
  let size = n.selfSize
  for (const c of n.children ?? []) size += walk(c, inner)
  if (!onStack.has(key)) add(inclusive, key, size)
  return size
}
const total = walk(head, new Set())
const top = (m: Map<string, number>) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, rows)
    .map(([k, v]) => `${((v / total) * 100).toFixed(1).padStart(5)}%  ${k}`)
    .join('\n')
console.log(`${(total / 1e6).toFixed(1)} MB sampled\n\nown allocations:\n${top(own)}\n\nwith what they called:\n${top(inclusive)}`)
