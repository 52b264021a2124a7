// The pieces a page is made of. Most pages are a list of blocks (a form, a
// table, figures, notices) rendered by views/page.eta, so an area writes no
// HTML of its own; print sheets and the sign-in page have their own views.
import type { Problem } from '../core/errors.js'

export type Tone = 'ok' | 'warn' | 'error' | 'info' | 'muted'

/** A button that POSTs (with the page's CSRF token), optionally asking first. */
export interface PostButton {
  action: string
  label: string
  tone?: 'danger' | 'primary' | 'plain'
  /** Asked in a dialog by admin.js before posting (the post works without JavaScript too). */
  confirm?: string
  fields?: Record<string, string>
  test?: string
}

export interface Link {
  href: string
  label: string
  test?: string
  /** Opens in a new tab (print sheets). */
  newTab?: boolean
  button?: boolean
}

export type Cell = string | number | { text: string; href?: string; badge?: Tone; mono?: boolean; test?: string; title?: string } | { buttons: PostButton[]; links?: Link[] }

export interface Option {
  value: string
  label: string
}

export interface Field {
  name: string
  label: string
  type: 'text' | 'number' | 'password' | 'url' | 'checkbox' | 'select' | 'textarea' | 'file' | 'datetime-local' | 'date' | 'hidden' | 'search'
  value?: string | number | boolean | null
  options?: Option[]
  hint?: string
  error?: string
  required?: boolean
  step?: string
  min?: number
  max?: number
  /** Shown after the input: "phút", "Mbit/s". */
  unit?: string
  autocomplete?: string
  accept?: string
  rows?: number
  test?: string
}

export interface Fieldset {
  legend: string
  hint?: string
  fields: Field[]
}

export interface FormModel {
  action: string
  method?: 'get' | 'post'
  fields: (Field | Fieldset)[]
  submit: string
  multipart?: boolean
  test?: string
  /** Forms that only filter a list: laid out in a row. */
  inline?: boolean
  /** A link beside the submit button ("Cancel"). */
  cancel?: Link
}

export type Block =
  | { kind: 'heading'; text: string; level?: 2 | 3; test?: string }
  | { kind: 'text'; text: string; test?: string; tone?: Tone }
  | { kind: 'notice'; tone: Tone; text: string; test?: string; secret?: string; secretLabel?: string }
  | { kind: 'form'; form: FormModel }
  | { kind: 'table'; columns: string[]; rows: Cell[][]; empty: string; test?: string; caption?: string; numeric?: number[] }
  | { kind: 'cards'; cards: { label: string; value: string; test?: string; tone?: Tone; href?: string }[] }
  | { kind: 'dl'; items: { term: string; detail: Cell }[]; test?: string }
  | { kind: 'actions'; links?: Link[]; buttons?: PostButton[] }
  | { kind: 'pager'; next?: string; label: string }
  | { kind: 'pre'; text: string; test?: string }

export const isFieldset = (f: Field | Fieldset): f is Fieldset => 'legend' in f

/** Puts each problem's message next to its field (and returns what matched no field, for the top of the form). */
export function markErrors(form: FormModel, problems: Problem[], message: (p: Problem) => string): string[] {
  const fields = form.fields.flatMap((f) => (isFieldset(f) ? f.fields : [f]))
  const loose: string[] = []
  for (const p of problems) {
    const field = fields.find((f) => f.name === p.field || (p.field && f.name === p.field.replace(/-(\w)/g, (_m, c: string) => c.toUpperCase())))
    if (field && !field.error) field.error = message(p)
    else if (!field) loose.push(message(p))
  }
  return loose
}
