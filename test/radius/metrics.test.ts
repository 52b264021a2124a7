// Per-packet counts are kept in plain numbers and reach prom-client at each
// scrape: a scrape must show every count once, however scrapes and counts
// interleave.
import { Registry } from 'prom-client'
import t from 'tap'
import { radiusMetrics } from '../../radius/metrics.js'

async function value(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name)
  const v = metric?.values.find((x) => Object.entries(labels).every(([k, l]) => x.labels[k] === l))
  return v?.value
}

t.test('counts reach the registry at each scrape, each once', async (t) => {
  const registry = new Registry()
  const m = radiusMetrics(registry)
  const accept = m.counts.access.child({ result: 'accept', reason: 'voucher' })
  const reject = m.counts.access.child({ result: 'reject', reason: 'wrong_password' })
  for (let i = 0; i < 3; i++) accept.inc()
  reject.inc()
  t.equal(await value(registry, 'citywifi_radius_access_total', { result: 'accept', reason: 'voucher' }), 3)
  t.equal(await value(registry, 'citywifi_radius_access_total', { result: 'reject', reason: 'wrong_password' }), 1)
  t.equal(await value(registry, 'citywifi_radius_access_total', { result: 'accept', reason: 'voucher' }), 3, 'a second scrape adds nothing twice')
  accept.inc()
  t.equal(await value(registry, 'citywifi_radius_access_total', { result: 'accept', reason: 'voucher' }), 4)
  m.counts.dropped.child({ reason: 'unknown_client' }).inc()
  m.counts.received.child({ code: 'Access-Request' }).inc()
  t.match(await registry.metrics(), /citywifi_radius_packets_dropped_total\{reason="unknown_client"\} 1\n/)
  t.match(await registry.metrics(), /citywifi_radius_packets_received_total\{code="Access-Request"\} 1\n/)
})
