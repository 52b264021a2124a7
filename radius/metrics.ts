import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

export type DropReason =
  | 'too_long'
  | 'too_short'
  | 'length_mismatch'
  | 'bad_attribute_length'
  | 'unknown_client'
  | 'unexpected_code'
  | 'missing_message_authenticator'
  | 'bad_message_authenticator'
  | 'bad_authenticator'
  | 'bad_request'
  | 'duplicate_in_progress'
  | 'store_failed'
  | 'database_unavailable'
  | 'internal_error'

/**
 * Counts for one label set kept in a plain number and handed to prom-client
 * when it is scraped: prom-client hashes the label object at every inc(),
 * even through labels(), and the auth path counts twice per packet.
 */
export class PendingCounts<L extends string> {
  readonly #children: { labels: Partial<Record<L, string>>; n: number; inc(): void }[] = []

  /** One per label set: keep it and call inc(). */
  child(labels: Partial<Record<L, string>>): { inc(): void } {
    const c = {
      labels,
      n: 0,
      inc() {
        this.n++
      },
    }
    this.#children.push(c)
    return c
  }

  flush(counter: Counter<L>): void {
    for (const c of this.#children) {
      if (c.n) {
        counter.inc(c.labels, c.n)
        c.n = 0
      }
    }
  }
}

export interface RadiusMetrics {
  /** Per-packet counts of `received`, `dropped` and `access`, added to them at each scrape. */
  counts: { received: PendingCounts<'code'>; dropped: PendingCounts<'reason'>; access: PendingCounts<'result' | 'reason'> }
  received: Counter<'code'>
  dropped: Counter<'reason'>
  duplicates: Counter<string>
  access: Counter<'result' | 'reason'>
  accounting: Counter<'status'>
  authSeconds: Histogram<string>
  acctBatch: Histogram<string>
  acctCommitSeconds: Histogram<string>
  coa: Counter<'kind' | 'outcome'>
  nasClients: Gauge<string>
  nasLastSeen: Gauge<'nas'>
  openSessions: Gauge<string>
  spoolBytes: Gauge<string>
  spoolRecords: Gauge<string>
  spoolMaxBytes: Gauge<string>
  spooled: Counter<string>
  spoolReplayed: Counter<string>
  spoolRefused: Counter<string>
  outageCacheDecisions: Counter<string>
}

export function radiusMetrics(registry: Registry): RadiusMetrics {
  const existing = registry.getSingleMetric('citywifi_radius_packets_received_total')
  if (existing) throw new Error('RADIUS metrics are already registered in this registry')
  const counts = { received: new PendingCounts<'code'>(), dropped: new PendingCounts<'reason'>(), access: new PendingCounts<'result' | 'reason'>() }
  return {
    counts,
    received: new Counter({
      name: 'citywifi_radius_packets_received_total',
      help: 'RADIUS packets received, by code',
      labelNames: ['code'],
      registers: [registry],
      collect() {
        counts.received.flush(this)
      },
    }),
    dropped: new Counter({
      name: 'citywifi_radius_packets_dropped_total',
      help: 'RADIUS packets dropped without an answer, by reason',
      labelNames: ['reason'],
      registers: [registry],
      collect() {
        counts.dropped.flush(this)
      },
    }),
    duplicates: new Counter({ name: 'citywifi_radius_duplicates_total', help: 'Retransmissions answered from the duplicate cache', registers: [registry] }),
    access: new Counter({
      name: 'citywifi_radius_access_total',
      help: 'Access-Request decisions',
      labelNames: ['result', 'reason'],
      registers: [registry],
      collect() {
        counts.access.flush(this)
      },
    }),
    accounting: new Counter({ name: 'citywifi_radius_accounting_records_total', help: 'Accounting records stored and acknowledged', labelNames: ['status'], registers: [registry] }),
    authSeconds: new Histogram({
      name: 'citywifi_radius_access_duration_seconds',
      help: 'Time from an Access-Request to its answer',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    acctBatch: new Histogram({ name: 'citywifi_radius_accounting_batch_records', help: 'Records per accounting commit', buckets: [1, 2, 5, 10, 50, 100, 500, 1000, 2000], registers: [registry] }),
    acctCommitSeconds: new Histogram({
      name: 'citywifi_radius_accounting_commit_seconds',
      help: 'Time to store one accounting batch',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers: [registry],
    }),
    coa: new Counter({ name: 'citywifi_radius_coa_total', help: 'Disconnect and CoA requests sent to NAS, by outcome', labelNames: ['kind', 'outcome'], registers: [registry] }),
    // In a cluster every worker knows the same NAS and sessions: the highest, not the sum.
    nasClients: new Gauge({ name: 'citywifi_radius_nas_clients', help: 'Registered NAS clients', registers: [registry], aggregator: 'max' }),
    nasLastSeen: new Gauge({
      name: 'citywifi_radius_nas_last_seen_timestamp_seconds',
      help: 'When a valid packet last came from this NAS (Unix time), as of the last periodic job',
      labelNames: ['nas'],
      registers: [registry],
      aggregator: 'max',
    }),
    openSessions: new Gauge({ name: 'citywifi_radius_open_sessions', help: 'Accounting sessions not yet stopped', registers: [registry], aggregator: 'max' }),
    // The accounting spool (spool.ts): each worker has its own, so these add up.
    spoolBytes: new Gauge({ name: 'citywifi_radius_accounting_spool_bytes', help: 'Bytes of accounting in the local spool, waiting for the database', registers: [registry] }),
    spoolRecords: new Gauge({ name: 'citywifi_radius_accounting_spool_records', help: 'Accounting records in the local spool, waiting for the database', registers: [registry] }),
    spoolMaxBytes: new Gauge({ name: 'citywifi_radius_accounting_spool_max_bytes', help: 'Size at which the spool refuses accounting (ACCOUNTING_SPOOL_MAX_MB)', registers: [registry] }),
    spooled: new Counter({ name: 'citywifi_radius_accounting_spooled_total', help: 'Accounting records acknowledged from the local spool', registers: [registry] }),
    spoolReplayed: new Counter({ name: 'citywifi_radius_accounting_spool_replayed_total', help: 'Spooled accounting records stored in the database', registers: [registry] }),
    spoolRefused: new Counter({ name: 'citywifi_radius_accounting_spool_refused_total', help: 'Accounting records not acknowledged because the spool was full', registers: [registry] }),
    outageCacheDecisions: new Counter({
      name: 'citywifi_radius_outage_cache_decisions_total',
      help: 'Access-Requests decided from cache entries the database could not refresh',
      registers: [registry],
    }),
  }
}
