// Codec throughput on one core: node --import tsx test/bench/codec.ts
// The target is 100,000 Access-Request round trips per second (decode,
// Message-Authenticator check, PAP unhide, reply with Message-Authenticator).
import { cpus, loadavg } from 'node:os'
import {
  Code,
  attr,
  decodePacket,
  encodeRequest,
  encodeResponse,
  getAttr,
  getRaw,
  unhidePassword,
  verifyMessageAuthenticator,
  verifyRequestAuthenticator,
  type Packet,
} from '../../radius/codec/index.js'

const secret = 'a-nas-secret-of-16+chars'
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2)
const RUNS = 7
/** `node --import tsx test/bench/codec.ts 'round trip'` runs only the lines whose name contains it. */
const ONLY = process.argv[2]

// What a CoovaChilli or MikroTik hotspot sends for a portal login.
const request = encodeRequest({
  code: Code.AccessRequest,
  identifier: 42,
  secret,
  password: '483921',
  attributes: [
    attr('User-Name', '0912345678'),
    attr('NAS-IP-Address', '10.20.0.1'),
    attr('NAS-Identifier', 'quang-truong-ap1'),
    attr('NAS-Port-Type', 'Wireless-802.11'),
    attr('Service-Type', 'Login-User'),
    attr('Called-Station-Id', 'AA-BB-CC-DD-EE-01:CityWiFi'),
    attr('Calling-Station-Id', '11-22-33-44-55-66'),
    attr('Framed-IP-Address', '10.1.0.23'),
    attr('Acct-Session-Id', '5f3a2b1c00000001'),
    attr('WISPr-Location-Name', 'Quang truong'),
  ],
})
const accounting = encodeRequest({
  code: Code.AccountingRequest,
  identifier: 43,
  secret,
  attributes: [
    attr('User-Name', '0912345678'),
    attr('Acct-Status-Type', 'Interim-Update'),
    attr('Acct-Session-Id', '5f3a2b1c00000001'),
    attr('Acct-Input-Octets', 123456789),
    attr('Acct-Output-Octets', 987654321),
    attr('Acct-Session-Time', 1234),
    attr('NAS-Identifier', 'quang-truong-ap1'),
  ],
})
const decoded = decodePacket(request)
const hidden = getRaw(decoded, 'User-Password')!
const replyAttributes = [attr('Session-Timeout', 1800), attr('Idle-Timeout', 600), attr('WISPr-Bandwidth-Max-Down', 2_000_000), attr('WISPr-Bandwidth-Max-Up', 2_000_000)]

let sink = 0
/**
 * Best and median of several timed runs, per wall-clock second and per
 * second of CPU this process used: on a shared machine the wall clock also
 * counts time spent waiting for a CPU, the CPU time does not (it does count
 * the garbage collector's helper threads).
 */
function bench(name: string, fn: () => unknown): void {
  if (ONLY && !name.includes(ONLY)) return
  for (let i = 0; i < 20_000; i++) fn() // warm up the JIT
  const wall: number[] = []
  const cpu: number[] = []
  for (let run = 0; run < RUNS; run++) {
    let n = 0
    const cpuStart = process.cpuUsage()
    const start = process.hrtime.bigint()
    const end = start + BigInt(Math.round((SECONDS / RUNS) * 1e9))
    let now = start
    while (now < end) {
      for (let i = 0; i < 1000; i++) if (fn()) sink++
      n += 1000
      now = process.hrtime.bigint()
    }
    const used = process.cpuUsage(cpuStart)
    wall.push(n / (Number(now - start) / 1e9))
    cpu.push(n / ((used.user + used.system) / 1e6))
  }
  const best = (xs: number[]) => Math.max(...xs)
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  const ops = (r: number) => Math.round(r).toLocaleString('en-US').padStart(10)
  console.log(`${name.padEnd(52)} ${ops(best(wall))} ${ops(median(wall))} ${ops(best(cpu))} ${ops(median(cpu))}   ${(1e6 / best(cpu)).toFixed(2).padStart(5)} µs`)
}

function roundTrip(): Buffer {
  const p: Packet = decodePacket(request)
  if (verifyMessageAuthenticator(p.raw, secret) !== 'valid') throw new Error('MA')
  const userName = getAttr(p, 'User-Name')
  const password = unhidePassword(getRaw(p, 'User-Password')!, secret, p.authenticator)
  if (!userName || !password) throw new Error('PAP')
  return encodeResponse(p, Code.AccessAccept, replyAttributes, secret)
}

console.log(`node ${process.version}, ${request.length}-octet Access-Request, ${SECONDS} s per line in ${RUNS} runs, load average ${loadavg()[0].toFixed(2)} on ${cpus().length} CPUs`)
console.log(`${''.padEnd(52)} ${'ops/s wall'.padStart(21)} ${'ops per CPU-second'.padStart(21)}   CPU/op`)
console.log(`${''.padEnd(52)} ${'best'.padStart(10)} ${'median'.padStart(10)} ${'best'.padStart(10)} ${'median'.padStart(10)}`)
bench('decodePacket (Access-Request, 11 attributes)', () => decodePacket(request))
bench('verifyMessageAuthenticator', () => verifyMessageAuthenticator(request, secret))
bench('unhidePassword (16 octets)', () => unhidePassword(hidden, secret, decoded.authenticator))
bench('getAttr × 3 (User-Name, NAS-Identifier, VSA)', () => [getAttr(decoded, 'User-Name'), getAttr(decoded, 'NAS-Identifier'), getAttr(decoded, 'WISPr-Location-Name')])
bench('encodeResponse (Access-Accept, MA + 4)', () => encodeResponse(decoded, Code.AccessAccept, replyAttributes, secret))
bench('attr × 4 + encodeResponse', () =>
  encodeResponse(
    decoded,
    Code.AccessAccept,
    [attr('Session-Timeout', 1800), attr('Idle-Timeout', 600), attr('WISPr-Bandwidth-Max-Down', 2_000_000), attr('WISPr-Bandwidth-Max-Up', 2_000_000)],
    secret,
  ),
)
bench('Access-Request round trip (decode, MA, PAP, reply)', roundTrip)
bench('Accounting-Request round trip', () => {
  const p = decodePacket(accounting)
  if (!verifyRequestAuthenticator(p.raw, secret)) throw new Error('RA')
  return encodeResponse(p, Code.AccountingResponse, [], secret)
})
if (sink < 0) console.log(sink)
