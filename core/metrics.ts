// One Prometheus registry per process, shared by the services in it and
// served by the admin service at /metrics. Names: citywifi_<service>_<thing>_<unit|total>.
import { Registry, collectDefaultMetrics } from 'prom-client'

export function createRegistry(): Registry {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'citywifi_process_' })
  return registry
}
