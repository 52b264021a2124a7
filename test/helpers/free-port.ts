// A port for a child process to listen on, TCP and UDP both free on 127.0.0.1
// (tests and benchmarks alike).
// Asking the kernel for port 0 gives a port from the ephemeral range, where any
// test's UDP client socket may land before the child binds it (CI once failed
// so: "RADIUS authentication cannot listen on 127.0.0.1:33179"). Ports below
// that range are never handed out implicitly, so only another explicit bind can
// take one between this check and the child's.
import dgram from 'node:dgram'
import net from 'node:net'

const LOW = 20000
const HIGH = 32000 // below net.ipv4.ip_local_port_range's 32768

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer()
    s.once('error', () => resolve(false))
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4')
    s.once('error', () => {
      s.close()
      resolve(false)
    })
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })
}

const given = new Set<number>()

export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW))
    if (given.has(port)) continue
    if ((await tcpFree(port)) && (await udpFree(port))) {
      given.add(port)
      return port
    }
  }
  throw new Error(`no free port between ${LOW} and ${HIGH} after 200 tries`)
}
