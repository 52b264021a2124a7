// The portal's Prometheus metrics, in the process registry that the admin
// service serves at /metrics. Labels take few values: never a MAC, an
// address or a phone number.
import { Counter, type Registry } from 'prom-client'

function counter<T extends string>(registry: Registry, name: string, help: string, labelNames: readonly T[]): Counter<T> {
  const existing = registry.getSingleMetric(name)
  if (existing) return existing as Counter<T>
  return new Counter({ name, help, labelNames, registers: [registry] })
}

export interface PortalMetrics {
  pages: Counter<'page'>
  logins: Counter<'method' | 'vendor'>
  otpSms: Counter<'result'>
  otpSmsRefused: Counter<'limit'>
  otpChecks: Counter<'result'>
  linkClicks: Counter<'link'>
}

export function portalMetrics(registry: Registry): PortalMetrics {
  return {
    pages: counter(registry, 'citywifi_portal_pages_total', 'Portal pages shown, by page', ['page']),
    logins: counter(registry, 'citywifi_portal_logins_total', 'Logins handed to a NAS after consent, by method and NAS vendor', ['method', 'vendor']),
    otpSms: counter(registry, 'citywifi_portal_otp_sms_total', 'Verification codes asked for, by result (sent, failed, limited)', ['result']),
    otpSmsRefused: counter(registry, 'citywifi_portal_otp_sms_refused_total', 'Verification SMS refused by a send limit, by limit (ip, phone, mac, site, nas, installation)', ['limit']),
    otpChecks: counter(registry, 'citywifi_portal_otp_checks_total', 'Verification codes typed, by result', ['result']),
    linkClicks: counter(registry, 'citywifi_portal_link_clicks_total', 'Splash-page links followed, by link key', ['link']),
  }
}
