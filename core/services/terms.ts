// Terms of use: versions in Vietnamese and English. Publishing a new version
// makes returning devices consent again: the portal offers one-tap return
// only to consents to the terms in force, and the consents to earlier
// versions end at publication, so MAC authentication lets them in no more.
import type { Prisma, PrismaClient, Terms } from '../db/generated/client.js'
import { ConflictError, isUniqueViolation, InputError, NotFoundError, Problems } from '../errors.js'
import { auditEvent, changes, type Actor } from './audit.js'
import { announceChanges, recordChange } from './changes.js'

type Tx = PrismaClient | Prisma.TransactionClient

// The first terms of use, used until the city publishes its own version.
export const DEFAULT_TERMS = {
  version: '2026-11-v1',
  summaryVi:
    'Mạng WiFi miễn phí do thành phố cung cấp. Không dùng để vi phạm pháp luật. Chúng tôi chỉ ghi thời gian, lưu lượng và địa chỉ thiết bị để vận hành mạng, không đọc nội dung bạn truy cập.',
  summaryEn:
    'Free WiFi provided by the city. Do not use it to break the law. We record only times, data volume and your device address to run the network; we do not read what you browse.',
  bodyVi: [
    '1. Dịch vụ WiFi công cộng miễn phí được cung cấp "như hiện có", có giới hạn thời gian và tốc độ theo từng điểm truy cập.',
    '2. Người dùng không sử dụng dịch vụ để thực hiện hành vi vi phạm pháp luật Việt Nam, phát tán thông tin sai sự thật, mã độc hoặc thư rác.',
    '3. Hệ thống ghi nhận địa chỉ MAC của thiết bị, thời gian và lưu lượng sử dụng; nếu đăng nhập bằng số điện thoại, số điện thoại chỉ được lưu dưới dạng mã băm. Dữ liệu được xoá tự động khi hết thời hạn lưu trữ do đơn vị vận hành cấu hình (thiết lập RETENTION_SESSIONS_DAYS cho dữ liệu phiên truy cập, mặc định 365 ngày; các loại khác xem chính sách dữ liệu cá nhân). Bạn có thể yêu cầu xem hoặc xoá dữ liệu về thiết bị hoặc số điện thoại của mình.',
    '4. Thống kê gửi cơ quan quản lý chỉ gồm số liệu tổng hợp, không có dữ liệu cá nhân.',
    '5. Đơn vị vận hành có thể ngắt kết nối khi phát hiện sử dụng sai mục đích.',
  ].join('\n'),
  bodyEn: [
    '1. The free public WiFi is provided "as is", with time and speed limits set for each access point.',
    '2. You may not use it to break Vietnamese law or to spread false information, malware or spam.',
    '3. The system records your device MAC address, times and data volume; if you sign in with a phone number, it is kept only as a keyed hash. Data are deleted automatically when the retention period configured by the operator runs out (the RETENTION_SESSIONS_DAYS setting for connection records, 365 days by default; other kinds in the privacy notice). You may ask to see or erase the data about your device or phone number.',
    '4. Statistics given to the authorities are aggregates only, with no personal data.',
    '5. The operator may disconnect a device that misuses the service.',
  ].join('\n'),
}

/** The terms in force: the newest effective version, created from the default if none exists. */
export async function currentTerms(db: Tx) {
  const found = await db.terms.findFirst({ where: { effectiveAt: { lte: new Date() } }, orderBy: { effectiveAt: 'desc' } })
  return found ?? db.terms.upsert({ where: { version: DEFAULT_TERMS.version }, create: DEFAULT_TERMS, update: {} })
}

export interface TermsInput {
  version?: string
  summaryVi?: string
  summaryEn?: string
  bodyVi?: string
  bodyEn?: string
}

const TERMS_FIELDS = ['version', 'summaryVi', 'summaryEn', 'bodyVi', 'bodyEn'] as const

function validateTerms(input: TermsInput, creating: boolean): Prisma.TermsUpdateInput {
  const p = new Problems()
  const out: Prisma.TermsUpdateInput = {}
  if (input.version !== undefined || creating) {
    const v = (input.version ?? '').trim()
    if (!/^[\w.-]{1,40}$/.test(v)) p.add('version', 'the version is 1 to 40 letters, digits, ".", "-" or "_" (for example 2027-01-v2)', 'terms.version')
    else out.version = v
  }
  for (const [field, max] of [
    ['summaryVi', 1000],
    ['summaryEn', 1000],
    ['bodyVi', 20_000],
    ['bodyEn', 20_000],
  ] as const) {
    if (input[field] === undefined && !creating) continue
    const text = (input[field] ?? '').trim()
    if (!text) p.add(field, `${field} is empty`, 'terms.empty')
    else if (text.length > max) p.add(field, `${field} is longer than ${max} characters`, 'terms.long', { max })
    else out[field] = text
  }
  p.throwIfAny()
  return out
}

export async function listTerms(prisma: PrismaClient): Promise<(Terms & { consents: number; current: boolean })[]> {
  const current = await currentTerms(prisma)
  const rows = await prisma.terms.findMany({ orderBy: { effectiveAt: 'desc' }, include: { _count: { select: { consents: true } } } })
  return rows.map(({ _count, ...t }) => ({ ...t, consents: _count.consents, current: t.id === current.id }))
}

export async function getTerms(prisma: PrismaClient, id: number): Promise<Terms & { consents: number }> {
  const t = await prisma.terms.findUnique({ where: { id }, include: { _count: { select: { consents: true } } } })
  if (!t) throw new NotFoundError(`no terms with id ${id}`)
  const { _count, ...rest } = t
  return { ...rest, consents: _count.consents }
}

/** Publishes a new version, in force at once: earlier consents end now, and every device consents again on its next visit. */
export async function publishTerms(prisma: PrismaClient, input: TermsInput & { version: string }, actor: Actor): Promise<{ terms: Terms; endedConsents: number }> {
  const data = validateTerms(input, true) as Prisma.TermsCreateInput
  const now = new Date()
  try {
    const result = await prisma.$transaction(async (tx) => {
      const terms = await tx.terms.create({ data: { ...data, effectiveAt: now } })
      const ended = await tx.consent.updateMany({ where: { termsId: { not: terms.id }, expiresAt: { gt: now } }, data: { expiresAt: now } })
      await auditEvent(tx, actor, 'terms.publish', `terms:${terms.id}`, { version: terms.version, endedConsents: ended.count })
      // RADIUS drops what it knows of devices (their consents changed).
      await recordChange(tx, 'all')
      return { terms, endedConsents: ended.count }
    })
    announceChanges()
    return result
  } catch (err) {
    if (isUniqueViolation(err)) throw new InputError(`version "${data.version}" already exists`, 'version', 'terms.versionTaken', { version: String(data.version) })
    throw err
  }
}

/** Corrects a version nobody has accepted yet; accepted terms are records and are never changed. */
export async function updateTerms(prisma: PrismaClient, id: number, input: TermsInput, actor: Actor): Promise<Terms> {
  const before = await getTerms(prisma, id)
  if (before.consents) throw new ConflictError(`version ${before.version} has been accepted ${before.consents} time(s): publish a new version instead`, 'terms', 'terms.accepted', { n: before.consents })
  const data = validateTerms(input, false)
  try {
    return await prisma.$transaction(async (tx) => {
      const after = await tx.terms.update({ where: { id }, data })
      await auditEvent(tx, actor, 'terms.update', `terms:${id}`, changes(before, after, TERMS_FIELDS))
      return after
    })
  } catch (err) {
    if (isUniqueViolation(err)) throw new InputError(`version "${data.version}" already exists`, 'version', 'terms.versionTaken', { version: String(data.version) })
    throw err
  }
}

/** Removes a version nobody accepted, unless it is the only one. */
export async function deleteTerms(prisma: PrismaClient, id: number, actor: Actor): Promise<void> {
  const t = await getTerms(prisma, id)
  if (t.consents) throw new ConflictError(`version ${t.version} has been accepted ${t.consents} time(s) and is kept`, 'terms', 'terms.accepted', { n: t.consents })
  if ((await prisma.terms.count()) === 1) throw new ConflictError('the only version of the terms cannot be removed', 'terms', 'terms.only')
  await prisma.$transaction(async (tx) => {
    await tx.terms.delete({ where: { id } })
    await auditEvent(tx, actor, 'terms.delete', `terms:${id}`, { version: t.version })
  })
}
