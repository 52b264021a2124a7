// The admin app's words. vi.ts and en.ts hold the same keys (the type checker
// holds them together); an area with many words of its own (statistics) may
// keep them in its folder and add them to CATALOGUE with one line each.
// Service errors carry a key: errors-vi.ts says them in Vietnamese, English
// uses the service's own message.
import type { Lang } from '../../core/i18n.js'
import { statsEn, statsVi, type StatsMessages } from '../stats/words.js'
import { en } from './en.js'
import { vi, type Messages as CommonMessages } from './vi.js'

export type Messages = CommonMessages & StatsMessages
export type MessageKey = keyof Messages

export const CATALOGUE: Record<Lang, Messages> = {
  vi: { ...vi, ...statsVi },
  en: { ...en, ...statsEn },
}
