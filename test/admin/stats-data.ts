// Usage made the way a NAS makes it: RADIUS accounting over UDP to the
// server under test (Start, Interim-Update, Stop, with Acct-Delay-Time to
// place events earlier today), so that the statistics pages read figures the
// real accounting path wrote.
import { dateString, localDay } from '../../core/stats/calendar.js'
import { Code, attr } from '../../radius/codec/index.js'
import type { RadiusTestClient } from '../helpers/radius-client.js'

export const STATS_MACS = ['02-AA-BB-CC-00-01', '02-AA-BB-CC-00-02', '02-AA-BB-CC-00-03']

export interface SentUsage {
  macs: string[]
  /** Sessions sent (each one Start). */
  sessions: number
  /**
   * When each session started (epoch ms: sent less its Acct-Delay-Time). Up
   * to 40 minutes back, so in the first 40 minutes of a local day some fall
   * on the day before: "today" figures must be counted from these.
   */
  starts: number[]
  /** Octets reported by the Stops, to and from devices. */
  outputOctets: number
  inputOctets: number
}

/**
 * Three devices today: the first online for the past 40 minutes (an interim
 * half-way, then Stop), the second for 10 minutes twenty minutes ago, the
 * third just connected and still online.
 */
export async function sendTodaysUsage(client: RadiusTestClient, acctPort: number, prefix = 'stats'): Promise<SentUsage> {
  const send = async (status: 'Start' | 'Interim-Update' | 'Stop', id: string, mac: string, delay: number, extra: ReturnType<typeof attr>[] = []) => {
    const reply = await client.request(
      Code.AccountingRequest,
      acctPort,
      [attr('Acct-Status-Type', status), attr('Acct-Session-Id', id), attr('User-Name', mac), attr('Calling-Station-Id', mac), attr('Framed-IP-Address', '10.1.0.50'), attr('Acct-Delay-Time', delay), ...extra],
      { messageAuthenticator: false },
    )
    if (reply?.packet.code !== Code.AccountingResponse) throw new Error(`no Accounting-Response to ${status} ${id}`)
  }
  const [a, b, c] = STATS_MACS as [string, string, string]
  const starts = [Date.now() - 2400_000]
  await send('Start', `${prefix}-a`, a, 2400)
  await send('Interim-Update', `${prefix}-a`, a, 1200, [attr('Acct-Session-Time', 1200), attr('Acct-Input-Octets', 4_000_000), attr('Acct-Output-Octets', 30_000_000)])
  starts.push(Date.now() - 1200_000)
  await send('Start', `${prefix}-b`, b, 1200)
  await send('Stop', `${prefix}-b`, b, 600, [attr('Acct-Session-Time', 600), attr('Acct-Input-Octets', 1_000_000), attr('Acct-Output-Octets', 9_000_000), attr('Acct-Terminate-Cause', 'User-Request')])
  await send('Stop', `${prefix}-a`, a, 0, [attr('Acct-Session-Time', 2400), attr('Acct-Input-Octets', 8_000_000), attr('Acct-Output-Octets', 70_000_000), attr('Acct-Terminate-Cause', 'User-Request')])
  starts.push(Date.now())
  await send('Start', `${prefix}-c`, c, 0)
  return { macs: STATS_MACS, sessions: 3, starts, inputOctets: 9_000_000, outputOctets: 79_000_000 }
}

/** How many of the sessions sent started on `day` (YYYY-MM-DD) in `timeZone`. */
export function startedOn(sent: SentUsage, day: string, timeZone: string): number {
  return sent.starts.filter((at) => dateString(localDay(new Date(at), timeZone)) === day).length
}
