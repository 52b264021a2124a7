// Serves the embedded PGlite on a Unix socket to any number of PostgreSQL
// clients (this process's pool, the CLI, psql).
//
// PGlite is one PostgreSQL session. Clients may share it only in whole
// protocol exchanges: everything up to and including a Sync (extended
// protocol) or one simple Query runs with no other client's message in
// between, and a client inside a transaction keeps the session until
// ReadyForQuery says it is idle again. pglite-socket (which we used first)
// queues single messages instead, so two clients' Parse/Bind/Execute
// interleave under load ("unnamed prepared statement does not exist",
// "bind message supplies 5 parameters, but prepared statement requires 1");
// hence this small server of our own.
import fs from 'node:fs'
import net from 'node:net'
import type { PGlite } from '@electric-sql/pglite'
import type { Logger } from '../logger.js'

const SSL_REQUEST = 80877103
const GSSENC_REQUEST = 80877104
const CANCEL_REQUEST = 80877102
const PROTOCOL_3 = 196608

interface Unit {
  conn: Connection
  messages: Uint8Array[]
  /** Runs even though its client has gone (the ROLLBACK of a transaction it left open). */
  force?: boolean
}

function simpleQuery(sql: string): Uint8Array {
  const body = Buffer.from(sql + '\0', 'utf8')
  const msg = Buffer.alloc(5 + body.length)
  msg[0] = 0x51 // 'Q'
  msg.writeInt32BE(4 + body.length, 1)
  body.copy(msg, 5)
  return new Uint8Array(msg)
}

class Connection {
  buffer = Buffer.alloc(0)
  started = false
  pending: Uint8Array[] = []
  closed = false
  constructor(readonly socket: net.Socket) {}
}

export class PgliteSocketServer {
  readonly #server: net.Server
  readonly #queue: Unit[] = []
  readonly #connections = new Set<Connection>()
  /** The client whose transaction is open: only its exchanges may run. */
  #owner: Connection | null = null
  #running = false

  constructor(
    private readonly db: PGlite,
    private readonly path: string,
    private readonly log?: Logger,
  ) {
    this.#server = net.createServer((socket) => this.#accept(socket))
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject)
      this.#server.listen(this.path, () => {
        this.#server.off('error', reject)
        // An accept that fails (out of file descriptors) must not end the process.
        this.#server.on('error', (err) => this.log?.error({ err }, 'database socket server error'))
        // Owner only: the socket is the database, without a password.
        fs.chmodSync(this.path, 0o600)
        resolve()
      })
    })
  }

  async stop(): Promise<void> {
    for (const c of this.#connections) c.socket.destroy()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
    // Let an exchange in progress finish before the database closes.
    while (this.#running) await new Promise((r) => setTimeout(r, 5))
  }

  #accept(socket: net.Socket) {
    const conn = new Connection(socket)
    this.#connections.add(conn)
    socket.on('data', (data) => {
      conn.buffer = conn.buffer.length ? Buffer.concat([conn.buffer, data]) : data
      try {
        this.#parse(conn)
      } catch (err) {
        this.log?.warn({ err }, 'database socket: bad client data')
        socket.destroy()
      }
    })
    socket.on('error', () => {})
    socket.on('close', () => this.#closed(conn))
  }

  #parse(conn: Connection) {
    for (;;) {
      const b = conn.buffer
      if (!conn.started) {
        // Startup-phase messages have no type byte: Int32 length, Int32 code.
        if (b.length < 8) return
        const len = b.readInt32BE(0)
        if (b.length < len) return
        const code = b.readInt32BE(4)
        const msg = b.subarray(0, len)
        conn.buffer = b.subarray(len)
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) conn.socket.write('N')
        else if (code === CANCEL_REQUEST) conn.socket.end()
        else if (code === PROTOCOL_3) {
          conn.started = true
          this.#enqueue({ conn, messages: [new Uint8Array(msg)] })
        } else throw new Error(`unsupported startup code ${code}`)
        continue
      }
      if (b.length < 5) return
      const len = 1 + b.readInt32BE(1)
      if (b.length < len) return
      const type = String.fromCharCode(b[0]!)
      const msg = new Uint8Array(b.subarray(0, len))
      conn.buffer = b.subarray(len)
      if (type === 'X') {
        // Terminate ends this client, not the one session everyone shares.
        conn.socket.end()
        return
      }
      conn.pending.push(msg)
      // Sync ends an extended-protocol exchange; a simple Query is one by itself.
      if (type === 'S' || type === 'Q') {
        this.#enqueue({ conn, messages: conn.pending })
        conn.pending = []
      }
    }
  }

  #enqueue(unit: Unit) {
    this.#queue.push(unit)
    if (!this.#running) void this.#drain()
  }

  #next(): Unit | undefined {
    if (!this.#owner) return this.#queue.shift()
    const i = this.#queue.findIndex((u) => u.conn === this.#owner)
    return i === -1 ? undefined : this.#queue.splice(i, 1)[0]
  }

  async #drain() {
    this.#running = true
    try {
      for (let unit = this.#next(); unit; unit = this.#next()) {
        if (unit.conn.closed && !unit.force) continue
        const status = await this.#run(unit)
        // ReadyForQuery's status: I idle, T in a transaction, E in a failed one.
        if (status === 'T' || status === 'E') this.#owner = unit.conn
        else if (status === 'I' && this.#owner === unit.conn) this.#owner = null
      }
    } finally {
      this.#running = false
    }
  }

  async #run(unit: Unit): Promise<string | undefined> {
    let tail = Buffer.alloc(0)
    try {
      await this.db.runExclusive(async () => {
        for (const m of unit.messages) {
          await this.db.execProtocolRawStream(m, {
            onRawData: (data: Uint8Array) => {
              if (!data.length) return
              // A copy: the chunk is a view into PGlite's memory, which the next
              // chunk overwrites while the socket may still be queueing this one
              // (seen as a corrupt 10,000-row result).
              const chunk = Buffer.from(data)
              if (!unit.conn.closed) unit.conn.socket.write(chunk)
              tail = Buffer.concat([tail, chunk.subarray(-6)]).subarray(-6)
            },
          })
        }
      })
    } catch (err) {
      this.log?.warn({ err }, 'database socket: exchange failed')
      unit.conn.socket.destroy()
      return undefined
    }
    return tail.length === 6 && tail[0] === 0x5a ? String.fromCharCode(tail[5]!) : undefined
  }

  #closed(conn: Connection) {
    conn.closed = true
    this.#connections.delete(conn)
    for (let i = this.#queue.length - 1; i >= 0; i--) if (this.#queue[i]!.conn === conn) this.#queue.splice(i, 1)
    if (this.#owner === conn) {
      // It left inside a transaction: it stays the owner until its ROLLBACK
      // has run, so nobody else's statement lands in that transaction.
      this.#queue.unshift({ conn, messages: [simpleQuery('ROLLBACK')], force: true })
      if (!this.#running) void this.#drain()
    }
  }
}
