// `citywifi purge` and `citywifi person export|erase` (docs/privacy.md).
import type { Command } from 'commander'
import type { AppContext } from '../context.js'
import { InputError } from '../errors.js'
import { erasePerson, exportPerson, type PersonKey } from '../services/person-data.js'
import { runPurge } from '../services/purge-job.js'
import { countExpired, describeReport } from '../services/retention.js'
import { printJson, printLines } from './output.js'

type WithContext = <T>(fn: (ctx: AppContext) => Promise<T>) => Promise<T>

function personKey(opts: { mac?: string; phone?: string }): PersonKey {
  if (opts.mac !== undefined && opts.phone !== undefined) throw new InputError('give --mac or --phone, not both')
  if (opts.mac !== undefined) return { mac: opts.mac }
  if (opts.phone !== undefined) return { phone: opts.phone }
  throw new InputError('give --mac <address> or --phone <number>')
}

export function addPrivacyCommands(program: Command, withContext: WithContext, actor: () => string): void {
  program
    .command('purge')
    .description('delete personal records past their retention period now (the services also do it hourly)')
    .option('--dry-run', 'only count what would be deleted, per kind of record')
    .option('--json', 'print the counts as JSON')
    .action(async (opts: { dryRun?: boolean; json?: boolean }) => {
      const report = await withContext(async (ctx) => {
        if (opts.dryRun) return countExpired(ctx.db.pool, ctx.config.retention)
        const done = await runPurge({ pool: ctx.db.pool, prisma: ctx.db.prisma, retention: ctx.config.retention }, actor())
        if (!done) throw new InputError('another citywifi is purging right now: try again in a minute')
        return done
      })
      if (opts.json) return printJson({ dryRun: !!opts.dryRun, ...report })
      return printLines([opts.dryRun ? `would delete ${report.total} records:` : `deleted ${report.total} records:`, ...describeReport(report).map((l) => `  ${l}`)])
    })

  const person = program.command('person').description("a person's data, by device MAC or phone number: export it or erase it (both audited)")
  person
    .command('export')
    .description('print (JSON) everything citywifi holds about a device or a phone number')
    .option('--mac <address>', "the device's MAC address")
    .option('--phone <number>', 'a Vietnamese mobile number')
    .action(async (opts: { mac?: string; phone?: string }) => {
      const key = personKey(opts)
      const data = await withContext((ctx) => exportPerson(ctx.db.prisma, ctx.secrets, key, actor()))
      return printJson(data)
    })
  person
    .command('erase')
    .description('delete the data of a device or a phone number (statistics stay; ended sessions are kept anonymous)')
    .option('--mac <address>', "the device's MAC address")
    .option('--phone <number>', 'a Vietnamese mobile number')
    .option('--json', 'print what was erased as JSON')
    .action(async (opts: { mac?: string; phone?: string; json?: boolean }) => {
      const key = personKey(opts)
      const r = await withContext((ctx) => erasePerson(ctx.db.prisma, ctx.secrets, key, actor()))
      if (opts.json) return printJson(r)
      return printLines([
        `erased ${r.person}: ${r.devices} device(s), ${r.consents} consent(s), ${r.otpChallenges} OTP challenge(s), ${r.disconnectRequests} disconnect request(s); ${r.sessionsAnonymised} ended session(s) kept anonymous for the statistics`,
      ])
    })
}
