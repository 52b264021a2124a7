// The navigation, in one table: an entry shows for the roles its access
// allows, and only once a page answers at its address (so an area that is
// not there yet, such as statistics before admin/stats is registered, shows
// no dead link). A new area adds one line here.
import type { RouteAccess } from './roles.js'
import type { MessageKey } from './locales/index.js'

export interface NavItem {
  href: string
  label: MessageKey
  access: RouteAccess
}

export const NAV: NavItem[] = [
  { href: '/', label: 'nav.home', access: 'dashboard' },
  { href: '/stats', label: 'nav.stats', access: 'stats' },
  { href: '/sites', label: 'nav.sites', access: 'sites' },
  { href: '/nas', label: 'nav.nas', access: 'nas' },
  { href: '/policies', label: 'nav.policies', access: 'policies' },
  { href: '/vouchers', label: 'nav.vouchers', access: 'vouchers' },
  { href: '/sessions', label: 'nav.sessions', access: 'sessions' },
  { href: '/terms', label: 'nav.terms', access: 'terms' },
  { href: '/staff', label: 'nav.staff', access: 'staff' },
  { href: '/tokens', label: 'nav.tokens', access: 'tokens' },
  { href: '/audit', label: 'nav.audit', access: 'audit' },
  { href: '/privacy', label: 'nav.people', access: 'personal-data' },
]
