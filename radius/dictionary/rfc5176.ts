import type { DictionarySource } from './types.js'

// RFC 5176 §3.5-3.6: Dynamic Authorization (CoA, Disconnect). Error-Cause and
// its values were first in RFC 3576, which RFC 5176 replaces.
export const rfc5176: DictionarySource = {
  source: 'RFC 5176',
  attributes: [['Error-Cause', 101, 'integer']],
  values: {
    'Service-Type': { 'Authorize-Only': 17 },
    'Error-Cause': {
      'Residual-Context-Removed': 201,
      'Invalid-EAP-Packet': 202,
      'Unsupported-Attribute': 401,
      'Missing-Attribute': 402,
      'NAS-Identification-Mismatch': 403,
      'Invalid-Request': 404,
      'Unsupported-Service': 405,
      'Unsupported-Extension': 406,
      'Invalid-Attribute-Value': 407,
      'Administratively-Prohibited': 501,
      'Proxy-Request-Not-Routable': 502,
      'Session-Context-Not-Found': 503,
      'Session-Context-Not-Removable': 504,
      'Proxy-Processing-Error': 505,
      'Resources-Unavailable': 506,
      'Request-Initiated': 507,
      'Multiple-Session-Selection-Unsupported': 508,
    },
  },
}
