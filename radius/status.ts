// Status-Server (RFC 5997): "are you alive?" from a NAS or a monitor. It must
// carry a Message-Authenticator; the answer is an Access-Accept on the
// authentication port and an Accounting-Response on the accounting port.
import type { NasClient } from './clients.js'
import { Code, encodeResponse, verifyMessageAuthenticator, type Packet } from './codec/index.js'
import type { Outcome } from './access.js'

export function handleStatusServer(p: Packet, nas: NasClient, port: 'auth' | 'acct'): Outcome {
  const ma = verifyMessageAuthenticator(p.raw, nas.secret)
  if (ma === 'missing') return { drop: 'missing_message_authenticator' }
  if (ma === 'invalid') return { drop: 'bad_message_authenticator' }
  return { reply: encodeResponse(p, port === 'auth' ? Code.AccessAccept : Code.AccountingResponse, [], nas.secret) }
}
