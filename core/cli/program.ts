// The operator command line (DESIGN.md "Command line"). The services are
// passed in by bin/, so that core/ does not depend on radius/, portal/ or admin/.
import os from 'node:os'
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { createContext } from '../bootstrap.js'
import { ConfigError, loadConfig, type Config } from '../config.js'
import { ListenError, type AppContext, type ServiceStarter } from '../context.js'
import { DatabaseError, type OpenOptions } from '../db/database.js'
import { DiskFullError } from '../db/embedded.js'
import { DataDirLockedError } from '../db/lock.js'
import { InputError } from '../errors.js'
import { createLogger } from '../logger.js'
import { SecretBoxError } from '../secret-box.js'
import { seedDemo } from '../services/demo.js'
import { addNas, NAS_VENDORS } from '../services/nas.js'
import { addSite } from '../services/sites.js'
import { addAdminUser, ROLES } from '../services/staff.js'
import { createApiToken } from '../services/tokens.js'
import { createVouchers } from '../services/vouchers.js'
import { printDemoCredentials } from './banner.js'
import { printJson, printLines, readStdinSecret } from './output.js'
import { addPrivacyCommands } from './privacy.js'
import { runServices, type ServiceStarters } from './run-services.js'

/** An error whose message is the whole story: printed as one line, exit 1. */
function isPlainError(err: unknown): err is Error {
  return (
    err instanceof InputError ||
    err instanceof ConfigError ||
    err instanceof DatabaseError ||
    err instanceof DataDirLockedError ||
    err instanceof DiskFullError ||
    err instanceof SecretBoxError ||
    err instanceof ListenError
  )
}

function actor(): string {
  try {
    return `cli:${os.userInfo().username}`
  } catch {
    return 'cli'
  }
}

const wholeNumber = (name: string) => (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be a whole number`)
  return Number(value)
}

/** Runs a data command with a database of its own (or a running citywifi's), and closes it. */
async function withContext<T>(fn: (ctx: AppContext) => Promise<T>, options: Partial<OpenOptions> = {}): Promise<T> {
  const config = loadConfig()
  // Logs of commands go to stderr, and only warnings: stdout is for results.
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, process.stderr)
  const ctx = await createContext(config, log, { role: 'client', ...options })
  try {
    return await fn(ctx)
  } finally {
    await ctx.db.close()
  }
}

export function buildProgram(starters: ServiceStarters): Command {
  const program = new Command('citywifi')
    .description('Free public WiFi for a city: RADIUS server, captive portal and staff web app.')
    .configureOutput({ outputError: (str, write) => write(`citywifi: ${str.replace(/^error: /, '')}`) })
    .exitOverride()

  program
    .command('start')
    .description('run RADIUS, the portal and the admin app in one process (seeds a demo on a new embedded database)')
    .action(() => runServices(['radius', 'portal', 'admin'], starters, { seedDemo: true }))
  program
    .command('radius')
    .description('run only the RADIUS server (UDP auth and accounting)')
    .action(() => runServices(['radius'], starters, { seedDemo: false }))
  program
    .command('portal')
    .description('run only the captive portal')
    .action(() => runServices(['portal'], starters, { seedDemo: false }))
  program
    .command('admin')
    .description('run only the staff web app')
    .action(() => runServices(['admin'], starters, { seedDemo: false }))

  program
    .command('migrate')
    .description('apply pending database migrations and print what was applied')
    .option('--json', 'print {"applied": [...]}')
    .action(async (opts: { json?: boolean }) => {
      const applied = await withContext(async (ctx) => ctx.db.migrated, { migratePostgres: true })
      if (opts.json) return printJson({ applied })
      return printLines(applied.length ? applied.map((m) => `applied ${m}`) : ['the database is up to date: nothing to apply'])
    })

  program
    .command('seed-demo')
    .description('create a demo site, policy, NAS for 127.0.0.1 and admin account (random secrets, printed once)')
    .option('--json', 'print the credentials as JSON')
    .action(async (opts: { json?: boolean }) => {
      const creds = await withContext((ctx) => seedDemo(ctx.db.prisma, ctx.secrets, actor()))
      if (opts.json) return printJson(creds)
      return printDemoCredentials(creds, undefined)
    })

  const site = program.command('site').description('sites: one-stop offices, squares')
  site
    .command('add')
    .description('create a site (click-through login allowed until configured otherwise)')
    .requiredOption('--name <name>', 'the site name people and officials see')
    .option('--address <text>', 'street address')
    .option('--json', 'print the created site as JSON')
    .action(async (opts: { name: string; address?: string; json?: boolean }) => {
      const created = await withContext((ctx) => addSite(ctx.db.prisma, opts, actor()))
      if (opts.json) return printJson({ id: created.id, name: created.name, address: created.address })
      return printLines([`site ${created.id} "${created.name}" created`])
    })

  const nas = program.command('nas').description('access points and controllers (RADIUS clients)')
  nas
    .command('add')
    .description('register an access point / controller')
    .requiredOption('--site <name>', 'the site it serves')
    .requiredOption('--name <nasid>', 'the NAS-Identifier it sends')
    .requiredOption('--ip <addr[/cidr]>', 'the address its RADIUS packets come from, or a network')
    .requiredOption('--secret <secret>', `RADIUS shared secret (at least 16 characters)`)
    .addOption(new Option('--vendor <vendor>', 'what it is').choices(NAS_VENDORS).default('generic'))
    .option('--uam-secret <secret>', 'CoovaChilli UAM secret (uamsecret in chilli.conf) or openNDS faskey; at least 16 characters')
    .option('--login-host <host...>', 'host[:port] the portal may send browsers to when redirects are not signed (MikroTik hotspot address)')
    .option('--allow-insecure-fas', 'INSECURE, openNDS only: accept fas_secure_enabled 1 (a client can choose its MAC and hid)')
    .option('--coa-port <port>', 'port for Disconnect/CoA requests', wholeNumber('--coa-port'), 3799)
    .addOption(new Option('--language <lang>', 'language of the reasons sent with Access-Reject').choices(['vi', 'en']).default('vi'))
    .option(
      '--allow-missing-message-authenticator',
      'INSECURE, legacy devices only: accept Access-Request without Message-Authenticator (BlastRADIUS, CVE-2024-3596)',
    )
    .option('--json', 'print the registered NAS as JSON')
    .action(
      async (opts: {
        site: string
        name: string
        ip: string
        secret: string
        vendor: string
        uamSecret?: string
        coaPort: number
        language: string
        allowMissingMessageAuthenticator?: boolean
        loginHost?: string[]
        allowInsecureFas?: boolean
        json?: boolean
      }) => {
        if (opts.allowMissingMessageAuthenticator) {
          process.stderr.write(
            'citywifi: warning: this NAS may send Access-Request without Message-Authenticator; forged replies (BlastRADIUS) become possible. Upgrade its firmware and register it again without this option.\n',
          )
        }
        const created = await withContext((ctx) =>
          addNas(
            ctx.db.prisma,
            ctx.secrets,
            {
              site: opts.site,
              name: opts.name,
              address: opts.ip,
              secret: opts.secret,
              vendor: opts.vendor,
              uamSecret: opts.uamSecret,
              coaPort: opts.coaPort,
              language: opts.language,
              allowMissingMessageAuthenticator: opts.allowMissingMessageAuthenticator,
              loginHosts: opts.loginHost,
              allowInsecureFas: opts.allowInsecureFas,
            },
            actor(),
          ),
        )
        const shown = {
          id: created.id,
          name: created.name,
          address: created.address,
          vendor: created.vendor,
          coaPort: created.coaPort,
          language: created.language,
          allowMissingMessageAuthenticator: created.allowMissingMessageAuthenticator,
        }
        if (opts.json) return printJson(shown)
        return printLines([`NAS ${created.id} "${created.name}" (${created.vendor}) registered for ${created.address}`])
      },
    )

  const voucher = program.command('voucher').description('vouchers: codes people type to get online')
  voucher
    .command('create')
    .description('issue vouchers for a site')
    .requiredOption('--site <name>', 'the site they are valid at')
    .requiredOption('--count <k>', 'how many (1 to 100000)', wholeNumber('--count'))
    .option('--minutes <m>', 'online time each grants (default: the site policy)', wholeNumber('--minutes'))
    .option('--valid-days <d>', 'days until unused vouchers expire', wholeNumber('--valid-days'), 30)
    .option('--devices <n>', 'devices that may use one voucher', wholeNumber('--devices'), 1)
    .option('--json', 'print [{"code": ...}, ...]')
    .action(async (opts: { site: string; count: number; minutes?: number; validDays: number; devices: number; json?: boolean }) => {
      const { batch, vouchers } = await withContext((ctx) =>
        createVouchers(ctx.db.prisma, { site: opts.site, count: opts.count, minutes: opts.minutes, validDays: opts.validDays, maxDevices: opts.devices }, actor()),
      )
      if (opts.json) return printJson(vouchers)
      return printLines([`# batch ${batch}: ${vouchers.length} vouchers, valid until ${vouchers[0]?.validUntil?.slice(0, 10)}`, ...vouchers.map((v) => v.code)])
    })

  const adminUser = program.command('admin-user').description('staff accounts for the admin app')
  adminUser
    .command('add')
    .description('create a staff account; the password is read from standard input')
    .requiredOption('--username <u>', 'login name')
    .addOption(new Option('--role <role>', 'what they may do').choices(ROLES).makeOptionMandatory())
    .requiredOption('--password-stdin', 'read the password from standard input (required: never on the command line)')
    .option('--json', 'print the account as JSON')
    .action(async (opts: { username: string; role: string; json?: boolean }) => {
      const password = await readStdinSecret('Password: ')
      const user = await withContext((ctx) => addAdminUser(ctx.db.prisma, { username: opts.username, role: opts.role, password }, actor()))
      if (opts.json) return printJson({ id: user.id, username: user.username, role: user.role })
      return printLines([`staff account "${user.username}" (${user.role}) created`])
    })

  const token = program.command('token').description('API tokens for scripts (/api/v1 on the admin port)')
  token
    .command('create')
    .description('create an API token; it is printed once and cannot be shown again')
    .requiredOption('--name <name>', 'what the token is for')
    .addOption(new Option('--role <role>', 'what it may do').choices(ROLES).makeOptionMandatory())
    .option('--json', 'print {"token": ...}')
    .action(async (opts: { name: string; role: string; json?: boolean }) => {
      const created = await withContext((ctx) => createApiToken(ctx.db.prisma, opts, actor()))
      if (opts.json) return printJson(created)
      return printLines([created.token, `# token ${created.id} "${created.name}" (${created.role}): store it now, it is not shown again`])
    })

  addPrivacyCommands(program, withContext, actor)

  return program
}

/** Runs the command line and returns the exit code; every failure becomes one line on stderr. */
export async function main(argv: string[], starters: ServiceStarters): Promise<number> {
  const program = buildProgram(starters)
  try {
    await program.parseAsync(argv)
    return typeof process.exitCode === 'number' ? process.exitCode : 0
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode
    if (err instanceof ConfigError) {
      for (const line of err.lines) process.stderr.write(`citywifi: ${line}\n`)
      return 1
    }
    if (isPlainError(err)) {
      process.stderr.write(`citywifi: ${err.message}\n`)
      return 1
    }
    if ((err as NodeJS.ErrnoException)?.code === 'ENOSPC') {
      process.stderr.write(`citywifi: no space left on the disk: ${(err as Error).message} (the data dir is ${process.env.CITYWIFI_DATA_DIR || './data'})\n`)
      return 1
    }
    process.stderr.write(`citywifi: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`)
    return 1
  }
}

export type { Config, ServiceStarter }
