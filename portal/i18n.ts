// Language: Vietnamese first. Chosen by, in order, the visible toggle
// (?lang=), the browser's Accept-Language, the NAS's configured language.
// The mechanics are shared with the admin app (core/i18n.ts); the words are
// the portal's own.
import { Translator as BaseTranslator, type Lang } from '../core/i18n.js'
import { en } from './locales/en.js'
import { vi, type Messages } from './locales/vi.js'

export { fill, fromAcceptLanguage, isLang, LANGS, pickLang, type Lang } from '../core/i18n.js'
export type MessageKey = keyof Messages

const CATALOG: Record<Lang, Messages> = { vi, en }

/** Words, dates and numbers in one language, for one portal page. */
export class Translator extends BaseTranslator<Messages> {
  constructor(lang: Lang, timeZone: string) {
    super(lang, CATALOG, timeZone)
  }
}
