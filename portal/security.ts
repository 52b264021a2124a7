// Response headers every portal page carries, the Content-Security-Policy
// built per page (a form that ends at the NAS must be allowed to go there),
// and the rules for following a URL someone else gave us.
import type { FastifyReply, FastifyRequest } from 'fastify'

export interface PagePolicy {
  /** Origins forms on this page may submit or redirect to, besides the portal itself. */
  formOrigins?: string[]
  /** The page loads /static/go.js (the auto-submit of the MikroTik login form). */
  script?: boolean
}

export function contentSecurityPolicy(policy: PagePolicy = {}): string {
  const forms = ["'self'", ...(policy.formOrigins ?? [])].join(' ')
  return [
    "default-src 'none'",
    "style-src 'self'",
    "img-src 'self' data:",
    `form-action ${forms}`,
    policy.script ? "script-src 'self'" : "script-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}

export function setPageHeaders(reply: FastifyReply, policy: PagePolicy = {}): void {
  reply.header('content-security-policy', contentSecurityPolicy(policy))
  // Pages carry one-time tokens in links and forms: never cached, never sent on as a referrer.
  reply.header('cache-control', 'no-store')
  reply.header('referrer-policy', 'no-referrer')
  reply.header('x-content-type-options', 'nosniff')
  reply.header('x-frame-options', 'DENY')
}

/**
 * A URL from a NAS parameter (userurl, link-orig, originurl) is followed only
 * when it is plain http(s) without credentials; anything else is shown as
 * text, never as a link: no open redirect, no javascript: link.
 */
export function followableUrl(input: string | undefined): URL | undefined {
  if (!input) return undefined
  try {
    const u = new URL(input)
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined
    if (u.username || u.password) return undefined
    return u
  } catch {
    return undefined
  }
}

/**
 * A POST from another site is refused whatever its token says: browsers send
 * Origin (and Sec-Fetch-Site) on form posts; a captive browser that sends
 * neither is judged by the token alone. The Origin must name the host the
 * request came to, or the portal's public host (a TLS proxy in front may
 * rewrite Host).
 */
export function isCrossSitePost(req: FastifyRequest, isPortalHost: (host: string) => boolean = () => false): boolean {
  const site = req.headers['sec-fetch-site']
  if (site === 'cross-site') return true
  const origin = req.headers.origin
  if (!origin || origin === 'null') return false
  try {
    const host = new URL(origin).host
    return host !== req.headers.host && !isPortalHost(host)
  } catch {
    return true
  }
}
