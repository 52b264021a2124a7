import type { DemoCredentials } from '../services/demo.js'
import { write } from './output.js'

/** Printed once, on stdout (never in the log): the demo's random secrets. */
export function printDemoCredentials(c: DemoCredentials, urls: { portal?: string; admin?: string } | undefined): Promise<void> {
  const lines = [
    '',
    '┌─ citywifi demo ─ lưu lại ngay, sẽ không hiện lại / save these now, they are not shown again',
    `│ site                    ${c.site}`,
    `│ NAS                     ${c.nasName} at ${c.nasAddress} (coovachilli)`,
    `│ RADIUS shared secret    ${c.nasSecret}`,
    `│ UAM secret              ${c.uamSecret}`,
    `│ admin login             ${c.adminUsername} / ${c.adminPassword}`,
    ...(urls?.portal ? [`│ portal                  ${urls.portal}/`] : []),
    ...(urls?.admin ? [`│ admin                   ${urls.admin}/`] : []),
    '└─',
    '',
  ]
  return write(lines.join('\n') + '\n')
}
