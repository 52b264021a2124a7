// Group commit for accounting: records that arrive while a transaction is
// committing wait and go together in the next one, so throughput does not
// fall to one commit per packet — and each packet is acknowledged only after
// the transaction holding it has committed. On PostgreSQL two transactions
// may be in flight, so that one is built while the other waits for its WAL
// flush; PGlite runs one at a time anyway.
import type pg from 'pg'
import { AccountingStore, type SessionChange, utcTimestamp } from '../core/accounting/apply.js'
import type { AccountingRecord } from '../core/accounting/record.js'
import type { Logger } from '../core/logger.js'
import { closingWithPending } from '../core/stats/pending.js'
import type { RadiusMetrics } from './metrics.js'

type RecordTask = { kind: 'record'; record: AccountingRecord; resolve: () => void; reject: (err: Error) => void }
type CloseTask = { kind: 'close-nas'; nasId: number; at: Date; resolve: (closed: number) => void; reject: (err: Error) => void }
type Task = RecordTask | CloseTask

export const MAX_BATCH = 2000

export class AccountingWriter {
  readonly #store: AccountingStore
  #queue: Task[] = []
  #inFlight = 0
  #idle: (() => void)[] = []

  constructor(
    private readonly pool: pg.Pool,
    timeZone: string,
    private readonly metrics: RadiusMetrics,
    private readonly log: Logger,
    private readonly onCommitted: (changes: SessionChange[], records: AccountingRecord[]) => void,
    private readonly maxInFlight = 1,
  ) {
    this.#store = new AccountingStore(timeZone)
  }

  /** Resolves once the record is committed; rejects if it could not be stored. */
  store(record: AccountingRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ kind: 'record', record, resolve, reject })
      this.#kick()
    })
  }

  /** Accounting-On/Off: closes the NAS's open sessions, in order with the records before it. */
  closeNasSessions(nasId: number, at: Date): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ kind: 'close-nas', nasId, at, resolve, reject })
      this.#kick()
    })
  }

  /** Waits for everything queued to be stored. */
  drain(): Promise<void> {
    if (!this.#queue.length && !this.#inFlight) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
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
      const { changes, committed } = await this.#transaction((c) => this.#store.apply(c, records))
      committed()
      this.metrics.acctBatch.observe(records.length)
      this.metrics.acctCommitSeconds.observe((performance.now() - started) / 1000)
      for (const t of batch) t.resolve()
      this.#notify(changes, records)
    } catch (err) {
      if (batch.length === 1) {
        this.log.error({ err, nasId: batch[0]!.record.nasId }, 'could not store an accounting record')
        batch[0]!.reject(err as Error)
        return
      }
      // One bad record must not keep the others from being stored: store them one by one.
      this.log.warn({ err, records: batch.length }, 'accounting batch failed; storing its records one by one')
      this.#store.forgetDevices()
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
      const closed = await this.#transaction(async (c) => {
        // Closed sessions are left for the statistics' fold, in the same statement.
        const res = await c.query(
          closingWithPending(`UPDATE "Session" SET "stoppedAt" = GREATEST("updatedAt", LEAST($2::timestamp, now() AT TIME ZONE 'UTC')), "closeReason" = 'nas_reboot'
           WHERE "nasId" = $1 AND "stoppedAt" IS NULL RETURNING id, "siteId", "updatedAt"`),
          [task.nasId, utcTimestamp(task.at)],
        )
        return res.rowCount ?? 0
      })
      task.resolve(closed)
    } catch (err) {
      task.reject(err as Error)
    }
  }
}
