// The printable A4 sheet of a batch: per voucher the code in large type, its
// time and validity, short instructions and a QR code that joins the site's
// WiFi (the WIFI: format phones' cameras read), drawn by the qrcode library.
import QRCode from 'qrcode'

/** WIFI:T:nopass;S:<ssid>;; with \ ; , : " escaped, as phone cameras expect. */
export function wifiQrText(ssid: string): string {
  return `WIFI:T:nopass;S:${ssid.replace(/([\\;,:"])/g, '\\$1')};;`
}

/** An SVG of the QR code (medium error correction: survives a crease or a smudge). */
export function qrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 })
}

/** ABCDE-FGHJK: two groups of five, easier to read aloud and to type. */
export function groupedCode(code: string): string {
  return code.length === 10 ? `${code.slice(0, 5)}-${code.slice(5)}` : code
}
