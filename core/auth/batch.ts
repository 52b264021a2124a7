// Coalesces the database work of logins that arrive together into one
// statement per batch: at a hotspot almost every Access-Request is a first
// login, and per-login statements (each its own round trip, plan and, for a
// write, its own commit) kept PostgreSQL busier than the logins themselves.
// A batch leaves as soon as the requests read in one turn of the event loop
// are queued; while `maxInFlight` batches are out, new requests wait and
// leave together in the next one (group commit, as accounting does).

interface Waiting<K, V> {
  key: K
  resolve(value: V): void
  reject(err: unknown): void
}

export interface BatcherOptions {
  /** Batches out at once (each holds one database connection). */
  maxInFlight?: number
  /** Items per statement at most. */
  maxBatch?: number
}

export class Batcher<K, V> {
  #queue: Waiting<K, V>[] = []
  #inFlight = 0
  #scheduled = false
  readonly #maxInFlight: number
  readonly #maxBatch: number
  /** Batches sent and items in them, for the benchmark's and tests' figures. */
  batches = 0
  items = 0

  /** `run` answers the keys in order: one value per key. */
  constructor(
    private readonly run: (keys: K[]) => Promise<V[]>,
    options: BatcherOptions = {},
  ) {
    this.#maxInFlight = options.maxInFlight ?? 2
    this.#maxBatch = options.maxBatch ?? 500
  }

  add(key: K): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      this.#queue.push({ key, resolve, reject })
      this.#schedule()
    })
  }

  #schedule() {
    if (this.#scheduled || this.#inFlight >= this.#maxInFlight || !this.#queue.length) return
    this.#scheduled = true
    // After the poll phase: every datagram read in this turn joins the batch.
    setImmediate(() => {
      this.#scheduled = false
      this.#send()
    })
  }

  #send() {
    if (this.#queue.length && this.#inFlight < this.#maxInFlight) {
      const batch = this.#queue.splice(0, this.#maxBatch)
      this.#inFlight++
      this.batches++
      this.items += batch.length
      this.run(batch.map((w) => w.key)).then(
        (values) => {
          for (let i = 0; i < batch.length; i++) batch[i]!.resolve(values[i]!)
        },
        (err) => {
          for (const w of batch) w.reject(err)
        },
      ).finally(() => {
        this.#inFlight--
        this.#schedule()
      })
    }
    // What did not fit leaves in the next turn, if a connection is free.
    this.#schedule()
  }
}
