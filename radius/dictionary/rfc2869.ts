import type { DictionarySource } from './types.js'

// RFC 2869 §5: extensions. EAP-Message and Message-Authenticator, first
// defined here, are in rfc3579.ts, the RFC that now defines them.
export const rfc2869: DictionarySource = {
  source: 'RFC 2869',
  attributes: [
    ['Acct-Input-Gigawords', 52, 'integer'],
    ['Acct-Output-Gigawords', 53, 'integer'],
    ['Event-Timestamp', 55, 'date'],
    ['ARAP-Password', 70, 'octets', { secret: true }],
    ['ARAP-Features', 71, 'octets'],
    ['ARAP-Zone-Access', 72, 'integer'],
    ['ARAP-Security', 73, 'integer'],
    ['ARAP-Security-Data', 74, 'string'],
    ['Password-Retry', 75, 'integer'],
    ['Prompt', 76, 'integer'],
    ['Connect-Info', 77, 'string'],
    ['Configuration-Token', 78, 'string'],
    ['ARAP-Challenge-Response', 84, 'octets'],
    ['Acct-Interim-Interval', 85, 'integer'],
    ['NAS-Port-Id', 87, 'string'],
    ['Framed-Pool', 88, 'string'],
  ],
  values: {
    'ARAP-Zone-Access': { 'Default-Zone': 1, 'Zone-Filter-Inclusive': 2, 'Zone-Filter-Exclusive': 4 },
    Prompt: { 'No-Echo': 0, Echo: 1 },
  },
}
