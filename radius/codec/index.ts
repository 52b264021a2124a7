// The RADIUS codec: packets, typed attributes, and the shared-secret crypto.
export { Code, codeName, type CodeNumber } from './codes.js'
export {
  DecodeError,
  HEADER_LENGTH,
  MAX_ATTRIBUTE_VALUE_LENGTH,
  MAX_PACKET_LENGTH,
  decodePacket,
  encodePacket,
  type DecodeReason,
  type Packet,
  type RawAttribute,
} from './packet.js'
export { attr, attributeDef, attributePicker, describe, getAll, getAttr, getRaw, getTagged, valueName, type AttrValue } from './attributes.js'
export { decodeTag, decodeValue, encodeValue } from './values.js'
export {
  chapResponse,
  encodeRequest,
  encodeResponse,
  hidePassword,
  unhidePassword,
  verifyChap,
  verifyMessageAuthenticator,
  verifyRequestAuthenticator,
  verifyResponse,
  type MessageAuthenticatorResult,
} from './crypto.js'
