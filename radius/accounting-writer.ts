// Group commit for accounting: records that arrive while a transaction is
// committing wait and go together in the next one, so throughput does not
// fall to one commit per packet — and each packet is acknowledged only after
// the transaction holding it has committed. On PostgreSQL two transactions
// may be in flight, so that one is built while the other waits for its WAL
// flush; PGlite runs one at a time anyway.
//
// When a commit cannot happen — the database is down or out of disk, or a
// commit takes longer than `spoolAfterMs` — the records go to the local spool
// (spool.ts) and are acknowledged once they are on disk; from then on every
// new record goes there too, in order, until the replay has emptied it into
// the database. A full spool is not dropped from: records are then refused
// (not acknowledged), and the NAS keeps them and sends them again.
import type pg from 'pg'
import { AccountingStore, type SessionChange, utcTimestamp } from '../core/accounting/apply.js'
import type { AccountingRecord } from '../core/accounting/record.js'
import { classifyUser } from '../core/auth/steps.js'
import { DatabaseTimeoutError, isDatabaseUnavailable } from '../core/db/availability.js'
import type { FailureLog, Logger } from '../core/logger.js'
import { closingWithPending } from '../core/stats/pending.js'
import type { RadiusMetrics } from './metrics.js'
import { SpoolFullError, type AccountingSpool, type Segment, type SpoolEntry } from './spool.js'

type RecordTask = { kind: 'record'; record: AccountingRecord; resolve: () => void; reject: (err: Error) => void }
type CloseTask = { kind: 'close-nas'; nasId: number; at: Date; nasIp?: string; resolve: (closed: number) => void; reject: (err: Error) => void }
type Task = RecordTask | CloseTask

export const MAX_BATCH = 2000

export interface SpoolSettings {
  spool: AccountingSpool
  /** A commit slower than this sends its records to the spool. */
  spoolAfterMs: number
  /** How often the replay tries the database again while it does not answer (default 250 ms: a try costs a refused connection). */
  retryMs?: number
  failures: FailureLog
}

export class AccountingWriter {
  readonly #store: AccountingStore
  #queue: Task[] = []
  #inFlight = 0
  #idle: (() => void)[] = []
  /** While true every record goes to the spool, so that the replay keeps their order. */
  #spooling = false
  #replaying: Promise<void> | undefined
  #closed = false
  #retryTimer: NodeJS.Timeout | undefined
  #wake: (() => void) | undefined

  constructor(
    private readonly pool: pg.Pool,
    timeZone: string,
    private readonly metrics: RadiusMetrics,
    private readonly log: Logger,
    private readonly onCommitted: (changes: SessionChange[], records: AccountingRecord[]) => void,
    private readonly maxInFlight = 1,
    private readonly spool?: SpoolSettings,
  ) {
    this.#store = new AccountingStore(timeZone)
    if (spool) {
      this.#gauges()
      // Left by the previous run: replayed before anything new is stored directly.
      if (spool.spool.records) {
        this.log.info({ records: spool.spool.records, dir: spool.spool.dir }, 'accounting spool from an earlier run: replaying it')
        this.#startSpooling()
      }
    }
  }

  /** Accounting is going to the spool now. */
  get spooling(): boolean {
    return this.#spooling
  }

  /** Resolves once the record is committed or spooled; rejects if it could be neither. */
  store(record: AccountingRecord): Promise<void> {
    if (this.#spooling) return this.#toSpool([{ kind: 'record', record }])
    return new Promise((resolve, reject) => {
      this.#queue.push({ kind: 'record', record, resolve, reject })
      this.#kick()
    })
  }

  /**
   * Accounting-On/Off: closes the NAS's open sessions (only those sent from
   * `nasIp` when given), in order with the records before it (-1: spooled, closed later).
   */
  closeNasSessions(nasId: number, at: Date, nasIp?: string): Promise<number> {
    if (this.#spooling) return this.#toSpool([{ kind: 'close-nas', nasId, at, nasIp }]).then(() => -1)
    return new Promise((resolve, reject) => {
      this.#queue.push({ kind: 'close-nas', nasId, at, nasIp, resolve, reject })
      this.#kick()
    })
  }

  /** Waits for everything queued to be stored or spooled (the spool itself is replayed at the next start if need be). */
  drain(): Promise<void> {
    if (!this.#queue.length && !this.#inFlight) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }

  /** Stops the replay; what is spooled stays on disk for the next start. */
  async close(): Promise<void> {
    await this.drain()
    this.#closed = true
    clearTimeout(this.#retryTimer)
    this.#wake?.()
    await this.#replaying
    await this.spool?.spool.close()
  }

  #gauges() {
    const s = this.spool!.spool
    this.metrics.spoolBytes.set(s.bytes)
    this.metrics.spoolRecords.set(s.records)
    this.metrics.spoolMaxBytes.set(s.maxBytes)
  }

  async #toSpool(entries: SpoolEntry[]): Promise<void> {
    const settings = this.spool
    if (!settings) throw new Error('no accounting spool')
    try {
      await settings.spool.append(entries)
    } catch (err) {
      if (err instanceof SpoolFullError) this.metrics.spoolRefused.inc(entries.length)
      settings.failures.failed(err instanceof SpoolFullError ? 'accounting-spool-full' : 'accounting-spool-write', 'accounting could not be spooled: not acknowledged', err, {
        dir: settings.spool.dir,
      })
      throw err
    } finally {
      this.#gauges()
    }
    this.metrics.spooled.inc(entries.length)
    this.#startSpooling()
  }

  #startSpooling() {
    if (!this.#spooling) {
      this.#spooling = true
      this.log.warn({ dir: this.spool!.spool.dir }, 'the database cannot take accounting now: acknowledging it from the local spool')
    }
    this.#replaying ??= this.#replay().finally(() => (this.#replaying = undefined))
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve
      this.#retryTimer = setTimeout(resolve, ms)
      this.#retryTimer.unref()
    })
  }

  /** Stores the spool, oldest first, until it is empty; then records go straight to the database again. */
  async #replay(): Promise<void> {
    const settings = this.spool!
    const spool = settings.spool
    let replayed = 0
    while (!this.#closed) {
      let segment: Segment | undefined
      try {
        segment = await spool.oldest()
        if (!segment) {
          if (spool.empty) {
            this.#spooling = false
            settings.failures.recovered('accounting-commit', 'the database takes accounting again')
            this.log.info({ replayed }, 'accounting spool replayed into the database')
            return
          }
          await this.#sleep(50)
          continue
        }
        if (segment.skipped) this.log.warn({ file: segment.file, lines: segment.skipped }, 'accounting spool: lines cut short by a crash skipped (never acknowledged)')
        await this.#replaySegment(segment.entries)
        spool.done(segment)
        replayed += segment.entries.length
        this.metrics.spoolReplayed.inc(segment.entries.length)
        this.#gauges()
      } catch (err) {
        if (!isDatabaseUnavailable(err)) {
          // Not the database's absence: a record it refuses. Keep the file, say so, try again later.
          this.log.error({ err, file: segment?.file }, 'accounting spool could not be replayed')
        } else {
          settings.failures.failed('accounting-commit', 'the database cannot take accounting', err)
        }
        await this.#sleep(settings.retryMs ?? 250)
      }
    }
  }

  async #replaySegment(entries: SpoolEntry[]) {
    let i = 0
    while (i < entries.length) {
      const e = entries[i]!
      if (e.kind === 'close-nas') {
        await this.#bounded(this.#closeNasNow(e.nasId, e.at, e.nasIp))
        i++
        continue
      }
      let n = i
      while (n < entries.length && n - i < MAX_BATCH && entries[n]!.kind === 'record') n++
      const records = entries.slice(i, n).map((x) => (x as { record: AccountingRecord }).record)
      const started = performance.now()
      const { changes, committed } = await this.#bounded(
        this.#transaction(async (c) => {
          await this.#resolveVouchers(c, records)
          return this.#store.apply(c, records)
        }),
      )
      committed()
      this.metrics.acctCommitSeconds.observe((performance.now() - started) / 1000)
      this.#notify(changes, records)
      i = n
    }
  }

  /** Records spooled without their voucher (it could not be looked up during the outage) get it now. */
  async #resolveVouchers(c: pg.PoolClient, records: AccountingRecord[]) {
    const codes = new Map<string, AccountingRecord[]>()
    for (const r of records) {
      if (r.voucherId !== null) continue
      const u = classifyUser(r.username)
      if (u.kind !== 'voucher') continue
      codes.set(u.code, [...(codes.get(u.code) ?? []), r])
    }
    if (!codes.size) return
    const res = await c.query<{ id: number; code: string }>(`SELECT id, code FROM "Voucher" WHERE code = ANY($1::text[])`, [[...codes.keys()]])
    for (const row of res.rows) {
      for (const r of codes.get(row.code) ?? []) {
        r.voucherId = row.id
        r.method ??= 'voucher'
      }
    }
  }

  /** The work, or a DatabaseTimeoutError once it has taken longer than the bound (the work itself goes on). */
  #bounded<T>(work: Promise<T>): Promise<T> {
    const ms = this.spool?.spoolAfterMs
    if (!ms) return work
    let timer: NodeJS.Timeout
    return Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DatabaseTimeoutError('accounting commit', ms)), ms)
      }),
    ]).finally(() => clearTimeout(timer))
  }

  #kick() {
    while (this.#queue.length && this.#inFlight < this.maxInFlight) {
      const head = this.#queue[0]!
      let work: Promise<void>
      if (head.kind === 'close-nas') {
        // Everything before it first.
        if (this.#inFlight) return
        this.#queue.shift()
        work = this.#closeNas(head)
      } else {
        let n = 0
        while (n < this.#queue.length && n < MAX_BATCH && this.#queue[n]!.kind === 'record') n++
        work = this.#commit(this.#queue.splice(0, n) as RecordTask[])
      }
      this.#inFlight++
      void work.finally(() => {
        this.#inFlight--
        this.#kick()
        if (!this.#queue.length && !this.#inFlight) for (const done of this.#idle.splice(0)) done()
      })
    }
  }

  async #transaction<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect()
    try {
      await client.query('BEGIN')
      const result = await fn(client)
      await client.query('COMMIT')
      return result
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {})
      throw err
    } finally {
      client.release()
    }
  }

  async #commit(batch: RecordTask[]): Promise<void> {
    const records = batch.map((t) => t.record)
    const started = performance.now()
    try {
      const { changes, committed } = await this.#bounded(this.#transaction((c) => this.#store.apply(c, records)))
      committed()
      this.metrics.acctBatch.observe(records.length)
      this.metrics.acctCommitSeconds.observe((performance.now() - started) / 1000)
      for (const t of batch) t.resolve()
      this.spool?.failures.recovered('accounting-commit', 'the database takes accounting again')
      this.#notify(changes, records)
    } catch (err) {
      // A remembered device id may be of a device deleted since (retention, erasure): a retry or replay looks it up again.
      this.#store.forgetDevices()
      if (this.spool && isDatabaseUnavailable(err)) {
        // Not the records' fault: keep them on local disk and acknowledge them from there.
        this.spool.failures.failed('accounting-commit', 'the database cannot take accounting', err)
        await this.#toSpool(records.map((record) => ({ kind: 'record', record }))).then(
          () => batch.forEach((t) => t.resolve()),
          (e: Error) => batch.forEach((t) => t.reject(e)),
        )
        return
      }
      if (batch.length === 1) {
        this.log.error({ err, nasId: batch[0]!.record.nasId }, 'could not store an accounting record')
        batch[0]!.reject(err as Error)
        return
      }
      // One bad record must not keep the others from being stored: store them one by one.
      this.log.warn({ err, records: batch.length }, 'accounting batch failed; storing its records one by one')
      for (const t of batch) await this.#commit([t])
    }
  }

  #notify(changes: SessionChange[], records: AccountingRecord[]) {
    try {
      this.onCommitted(changes, records)
    } catch (err) {
      this.log.error({ err }, 'after-commit step failed')
    }
  }

  async #closeNas(task: CloseTask): Promise<void> {
    try {
      task.resolve(await this.#bounded(this.#closeNasNow(task.nasId, task.at, task.nasIp)))
    } catch (err) {
      if (this.spool && isDatabaseUnavailable(err)) {
        this.spool.failures.failed('accounting-commit', 'the database cannot take accounting', err)
        await this.#toSpool([{ kind: 'close-nas', nasId: task.nasId, at: task.at, nasIp: task.nasIp }]).then(
          () => task.resolve(-1),
          (e: Error) => task.reject(e),
        )
        return
      }
      task.reject(err as Error)
    }
  }

  #closeNasNow(nasId: number, at: Date, nasIp?: string): Promise<number> {
    return this.#transaction(async (c) => {
      // Closed sessions are left for the statistics' fold, in the same statement.
      const res = await c.query(
        closingWithPending(`UPDATE "Session" SET "stoppedAt" = GREATEST("updatedAt", LEAST($2::timestamp, now() AT TIME ZONE 'UTC')), "closeReason" = 'nas_reboot'
         WHERE "nasId" = $1 AND "stoppedAt" IS NULL AND ($3::text IS NULL OR "nasIp" = $3::text) RETURNING id, "siteId", "updatedAt"`),
        [nasId, utcTimestamp(at), nasIp ?? null],
      )
      return res.rowCount ?? 0
    })
  }
}
