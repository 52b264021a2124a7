import dgram from 'node:dgram'
import { isIP } from 'node:net'
import { ListenError, listenErrorMessage, type AppContext, type RunningService } from '../core/context.js'
import { serviceLogger } from '../core/logger.js'

function bindUdp(host: string, port: number, what: string): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4', reuseAddr: false })
    socket.once('error', (err) => {
      socket.close()
      reject(new ListenError(listenErrorMessage(err as NodeJS.ErrnoException, what, host, port)))
    })
    socket.bind({ address: host === 'localhost' ? '127.0.0.1' : host, port, exclusive: true }, () => {
      socket.removeAllListeners('error')
      resolve(socket)
    })
  })
}

export async function startRadius(base: AppContext): Promise<RunningService> {
  const log = serviceLogger(base.log, 'radius')
  const { listenHost, radiusAuthPort, radiusAcctPort } = base.config
  const auth = await bindUdp(listenHost, radiusAuthPort, 'RADIUS authentication (RADIUS_AUTH_PORT)')
  const acct = await bindUdp(listenHost, radiusAcctPort, 'RADIUS accounting (RADIUS_ACCT_PORT)').catch((err) => {
    auth.close()
    throw err
  })
  for (const s of [auth, acct]) s.on('error', (err) => log.error({ err }, 'socket error'))
  const port = (s: dgram.Socket) => s.address().port
  return {
    name: 'radius',
    addresses: [`udp://${listenHost}:${port(auth)} (auth)`, `udp://${listenHost}:${port(acct)} (accounting)`],
    async close() {
      await Promise.all([auth, acct].map((s) => new Promise<void>((r) => s.close(() => r()))))
    },
  }
}
