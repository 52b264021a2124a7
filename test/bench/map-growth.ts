// How long one Map.set() holds the event loop when the Map outgrows its hash
// table (it rehashes every entry at once), at the sizes the RADIUS caches
// reach in a first-login storm. Pin it for a per-core figure:
//   taskset -c 0 node --max-semi-space-size=16 --import tsx test/bench/map-growth.ts
// Slow sets away from a power of two are scavenges, not growth.
const SIZE = Number(process.env.BENCH_MAP_SIZE ?? 300_000)
const m = new Map<string, { n: number; key: string }>()
const slow: string[] = []
for (let i = 0; i < SIZE; i++) {
  const key = `02-00-${i.toString(16).padStart(8, '0')}`
  const t = performance.now()
  m.set(key, { n: i, key })
  const ms = performance.now() - t
  if (ms > 1) slow.push(`${m.size.toLocaleString('en')} entries: ${ms.toFixed(1)} ms${(m.size - 1) & (m.size - 2) ? '' : ' (growth)'}`)
}
console.log(`Map.set() calls over 1 ms while ${SIZE.toLocaleString('en')} string keys were added:\n${slow.join('\n')}`)
