// One request, one verified answer: used to wait until a server under test
// answers before measuring it.
import dgram from 'node:dgram'
import { Code, encodeRequest, verifyResponse } from '../../radius/codec/index.js'
import type { RequestSpec } from './radius-load.js'
import { sleep } from './proc.js'

/** The reply's code if a verified reply came within `timeoutMs`, else undefined. */
export async function ask(port: number, secret: string, spec: RequestSpec, timeoutMs = 500): Promise<number | undefined> {
  const socket = dgram.createSocket('udp4')
  try {
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()))
    const raw = encodeRequest({ identifier: 1, secret, ...spec })
    return await new Promise<number | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs)
      socket.on('message', (msg) => {
        if (msg[1] !== 1 || !verifyResponse(msg, raw.subarray(4, 20), secret)) return
        clearTimeout(timer)
        resolve(msg[0])
      })
      socket.send(raw, port, '127.0.0.1')
    })
  } finally {
    socket.close()
  }
}

export const statusServer: RequestSpec = { code: Code.StatusServer, attributes: [] }

/**
 * Asks until a verified answer comes, for at most `limitMs`; `alive` says
 * whether the server process is still running (no use waiting otherwise).
 */
export async function waitForAnswer(port: number, secret: string, spec: RequestSpec, alive: () => boolean, limitMs = 60_000): Promise<number> {
  const until = Date.now() + limitMs
  while (Date.now() < until) {
    if (!alive()) throw new Error('the server exited before answering')
    const code = await ask(port, secret, spec)
    if (code !== undefined) return code
    await sleep(200)
  }
  throw new Error(`no answer on UDP port ${port} within ${limitMs / 1000} s`)
}
