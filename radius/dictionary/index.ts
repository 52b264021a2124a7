import { aruba } from './aruba.js'
import { chillispot } from './chillispot.js'
import { cisco } from './cisco.js'
import { Dictionary } from './dictionary.js'
import { mikrotik } from './mikrotik.js'
import { rfc2865 } from './rfc2865.js'
import { rfc2866 } from './rfc2866.js'
import { rfc2868 } from './rfc2868.js'
import { rfc2869 } from './rfc2869.js'
import { rfc3162 } from './rfc3162.js'
import { rfc3579 } from './rfc3579.js'
import { rfc3580 } from './rfc3580.js'
import { rfc5176 } from './rfc5176.js'
import { rfc5580 } from './rfc5580.js'
import { ruckus } from './ruckus.js'
import type { DictionarySource } from './types.js'
import { wispr } from './wispr.js'

export { Dictionary, type AttributeDef } from './dictionary.js'
export type { AttributeFlags, AttributeSpec, AttributeType, DictionarySource, ValueSpecs } from './types.js'

/**
 * Every source citywifi speaks. RFC 5997 (Status-Server) adds a packet code
 * and no attribute: it is in codec/codes.ts. A new vendor is a new module
 * listed here; a new attribute is one line in its module.
 */
export const SOURCES: readonly DictionarySource[] = [
  rfc2865,
  rfc2866,
  rfc2868,
  rfc2869,
  rfc3162,
  rfc3579,
  rfc3580,
  rfc5176,
  rfc5580,
  wispr,
  chillispot,
  mikrotik,
  cisco,
  aruba,
  ruckus,
]

export const dictionary = new Dictionary(SOURCES)
