// One Prometheus registry per process, shared by the services in it and
// served by the admin service at /metrics. Names: citywifi_<service>_<thing>_<unit|total>.
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import type { Database } from './db/database.js'

export function createRegistry(db?: Database): Registry {
  const registry = new Registry()
  // prom-client's own names already begin with process_ or nodejs_.
  collectDefaultMetrics({ register: registry, prefix: 'citywifi_' })
  if (db) {
    // Asked at every scrape: /metrics answering does not mean the database does.
    new Gauge({
      name: 'citywifi_database_up',
      help: '1 when the database answered the last scrape, 0 otherwise',
      registers: [registry],
      aggregator: 'min',
      async collect() {
        this.set((await db.ping()) ? 1 : 0)
      },
    })
  }
  return registry
}
