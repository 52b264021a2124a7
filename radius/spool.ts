// The accounting spool: where accounting goes when the database cannot take
// it (down, out of disk, too slow), so that it can still be acknowledged —
// the same idea as FreeRADIUS's `detail` file read back by `buffered-sql`.
//
// Records are appended as JSON lines to segment files and fsync'd before the
// caller may acknowledge them; several appends waiting at once share one
// write and one fsync. Replay takes the oldest segment, stores it, and only
// then deletes the file: a crash in between replays it again, which changes
// nothing, because storing accounting is idempotent (sessions are upserted by
// NAS and Acct-Session-Id and their counters only grow, core/accounting/apply.ts).
// A line cut short by a crash was never fsync'd, so never acknowledged: it is
// skipped.
import fs from 'node:fs'
import path from 'node:path'
import type { AccountingRecord } from '../core/accounting/record.js'

export type SpoolEntry = { kind: 'record'; record: AccountingRecord } | { kind: 'close-nas'; nasId: number; at: Date; nasIp?: string }

export class SpoolFullError extends Error {
  override name = 'SpoolFullError'
}

// A segment is read whole at replay: this keeps that read small.
const SEGMENT_BYTES = 4 * 1024 * 1024
const SEGMENT = /^seg-(\d{12})\.jsonl$/

function encode(e: SpoolEntry): string {
  if (e.kind === 'close-nas') return JSON.stringify({ k: 'c', n: e.nasId, at: e.at.toISOString(), ip: e.nasIp })
  const r = e.record
  return JSON.stringify({
    k: 'r',
    r: { ...r, eventTime: r.eventTime.toISOString(), inputOctets: r.inputOctets.toString(), outputOctets: r.outputOctets.toString() },
  })
}

function decode(line: string): SpoolEntry {
  const v = JSON.parse(line) as { k: 'c'; n: number; at: string; ip?: string } | { k: 'r'; r: Record<string, unknown> }
  if (v.k === 'c') return { kind: 'close-nas', nasId: v.n, at: new Date(v.at), ...(v.ip ? { nasIp: v.ip } : {}) }
  const r = v.r
  return {
    kind: 'record',
    record: {
      ...(r as unknown as AccountingRecord),
      eventTime: new Date(r.eventTime as string),
      inputOctets: BigInt(r.inputOctets as string),
      outputOctets: BigInt(r.outputOctets as string),
    },
  }
}

interface Pending {
  data: Buffer
  count: number
  resolve: () => void
  reject: (err: Error) => void
}

export interface Segment {
  file: string
  entries: SpoolEntry[]
  /** Lines that could not be read (cut short by a crash before their fsync). */
  skipped: number
}

export class AccountingSpool {
  #bytes = 0
  #records = 0
  #nextSeq: number
  /** Segments closed for appending, oldest first, with their sizes. */
  readonly #sealed: { file: string; bytes: number; records: number }[] = []
  #current: { file: string; handle: fs.promises.FileHandle; bytes: number; records: number } | undefined
  #pending: Pending[] = []
  #writing: Promise<void> | undefined
  /** Bytes taken by appends not yet on disk: they count against the bound too. */
  #reserved = 0

  private constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {
    this.#nextSeq = 1
  }

  /** Opens the spool folder, finding what a previous run left in it. */
  static open(dir: string, maxBytes: number): AccountingSpool {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
    const spool = new AccountingSpool(dir, maxBytes)
    const files = fs
      .readdirSync(dir)
      .filter((f) => SEGMENT.test(f))
      .sort()
    for (const f of files) {
      const file = path.join(dir, f)
      const bytes = fs.statSync(file).size
      if (!bytes) {
        fs.rmSync(file)
        continue
      }
      const records = countLines(file)
      spool.#sealed.push({ file, bytes, records })
      spool.#bytes += bytes
      spool.#records += records
      spool.#nextSeq = Math.max(spool.#nextSeq, Number(SEGMENT.exec(f)![1]) + 1)
    }
    return spool
  }

  get bytes(): number {
    return this.#bytes
  }

  /** Entries waiting to be replayed (written or being written). */
  get records(): number {
    return this.#records
  }

  get empty(): boolean {
    return this.#records === 0 && this.#pending.length === 0 && !this.#writing
  }

  /** Resolves once the entries are on disk (fsync'd); rejects with SpoolFullError when they do not fit. */
  append(entries: SpoolEntry[]): Promise<void> {
    const data = Buffer.from(entries.map((e) => encode(e) + '\n').join(''))
    if (this.#bytes + this.#reserved + data.length > this.maxBytes) {
      return Promise.reject(new SpoolFullError(`the accounting spool ${this.dir} is full (${this.#bytes} of ${this.maxBytes} bytes)`))
    }
    this.#reserved += data.length
    return new Promise((resolve, reject) => {
      this.#pending.push({ data, count: entries.length, resolve, reject })
      if (!this.#writing) this.#writing = this.#flush().finally(() => (this.#writing = undefined))
    })
  }

  async #flush(): Promise<void> {
    while (this.#pending.length) {
      const group = this.#pending.splice(0)
      const data = Buffer.concat(group.map((p) => p.data))
      const count = group.reduce((n, p) => n + p.count, 0)
      try {
        const cur = await this.#segmentFor(data.length)
        await cur.handle.write(data)
        await cur.handle.sync()
        cur.bytes += data.length
        cur.records += count
        this.#bytes += data.length
        this.#records += count
        this.#reserved -= data.length
        for (const p of group) p.resolve()
      } catch (err) {
        this.#reserved -= data.length
        // A failed write may have left part of a line: start a new segment after it.
        await this.#seal().catch(() => {})
        for (const p of group) p.reject(err as Error)
      }
    }
  }

  async #segmentFor(adding: number) {
    if (this.#current && this.#current.bytes + adding > SEGMENT_BYTES && this.#current.bytes > 0) await this.#seal()
    if (!this.#current) {
      const file = path.join(this.dir, `seg-${String(this.#nextSeq++).padStart(12, '0')}.jsonl`)
      const handle = await fs.promises.open(file, 'a', 0o600)
      // The new file's name must survive a crash too.
      syncDir(this.dir)
      this.#current = { file, handle, bytes: 0, records: 0 }
    }
    return this.#current
  }

  async #seal(): Promise<void> {
    const cur = this.#current
    if (!cur) return
    this.#current = undefined
    await cur.handle.close()
    if (cur.bytes) this.#sealed.push({ file: cur.file, bytes: cur.bytes, records: cur.records })
    else fs.rmSync(cur.file, { force: true })
  }

  /**
   * The oldest segment to replay, or undefined when nothing is spooled. The
   * segment being appended to is closed first when it is the only one left,
   * so that a replay does not chase a file that is still growing.
   */
  async oldest(): Promise<Segment | undefined> {
    if (!this.#sealed.length) {
      await this.#writing
      if (this.#current?.bytes) await this.#seal()
    }
    const seg = this.#sealed[0]
    if (!seg) return undefined
    const entries: SpoolEntry[] = []
    let skipped = 0
    for (const line of fs.readFileSync(seg.file, 'utf8').split('\n')) {
      if (!line) continue
      try {
        entries.push(decode(line))
      } catch {
        skipped++
      }
    }
    return { file: seg.file, entries, skipped }
  }

  /** The segment is stored in the database: its file goes. */
  done(segment: Segment): void {
    const i = this.#sealed.findIndex((s) => s.file === segment.file)
    if (i < 0) return
    const [seg] = this.#sealed.splice(i, 1)
    fs.rmSync(seg!.file, { force: true })
    syncDir(this.dir)
    this.#bytes -= seg!.bytes
    this.#records -= seg!.records
  }

  async close(): Promise<void> {
    await this.#writing
    await this.#seal()
  }
}

function countLines(file: string): number {
  const data = fs.readFileSync(file)
  let n = 0
  for (const b of data) if (b === 10) n++
  return n
}

function syncDir(dir: string) {
  let fd: number | undefined
  try {
    fd = fs.openSync(dir, 'r')
    fs.fsyncSync(fd)
  } catch {
    // Some file systems cannot fsync a folder; the file's own fsync still holds its data.
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}
