import type { Prisma, PrismaClient } from '../db/generated/client.js'

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
    '3. Hệ thống ghi nhận địa chỉ MAC của thiết bị, thời gian và lưu lượng sử dụng; nếu đăng nhập bằng số điện thoại, số điện thoại chỉ được lưu dưới dạng mã băm. Dữ liệu được xoá sau thời hạn lưu trữ quy định.',
    '4. Thống kê gửi cơ quan quản lý chỉ gồm số liệu tổng hợp, không có dữ liệu cá nhân.',
    '5. Đơn vị vận hành có thể ngắt kết nối khi phát hiện sử dụng sai mục đích.',
  ].join('\n'),
  bodyEn: [
    '1. The free public WiFi is provided "as is", with time and speed limits set for each access point.',
    '2. You may not use it to break Vietnamese law or to spread false information, malware or spam.',
    '3. The system records your device MAC address, times and data volume; if you sign in with a phone number, it is kept only as a keyed hash. Data are deleted after the configured retention period.',
    '4. Statistics given to the authorities are aggregates only, with no personal data.',
    '5. The operator may disconnect a device that misuses the service.',
  ].join('\n'),
}

/** The terms in force: the newest effective version, created from the default if none exists. */
export async function currentTerms(db: Tx) {
  const found = await db.terms.findFirst({ where: { effectiveAt: { lte: new Date() } }, orderBy: { effectiveAt: 'desc' } })
  return found ?? db.terms.upsert({ where: { version: DEFAULT_TERMS.version }, create: DEFAULT_TERMS, update: {} })
}
