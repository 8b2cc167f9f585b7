// 我的意见: the receipt codes a resident chose to keep on this device (localStorage), so that
// several opinions can be followed from one page (/my-opinions/) without an account. Only the
// codes are kept, with the day they were kept: never the text, a name or contact details.
//
//   keptCodes() -> ["ABCDEFGHJK", ...] (the newest first)
//   keepCode(code) -> true when kept (false when the browser keeps nothing, e.g. private mode)
//   forgetCode(code)

const KEY = "planportal.kept-receipts";
const CODE = /^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6,20}$/; // consultation/models.py RECEIPT_ALPHABET

function read() {
  try {
    const entries = JSON.parse(window.localStorage.getItem(KEY) || "[]");
    return Array.isArray(entries) ? entries.filter((entry) => CODE.test(entry?.code)) : [];
  } catch {
    return [];
  }
}

function write(entries) {
  try {
    window.localStorage.setItem(KEY, JSON.stringify(entries));
    return true;
  } catch {
    return false;
  }
}

export function normaliseCode(raw) {
  return String(raw || "").replace(/[\s\-_/]/g, "").toUpperCase();
}

export function keptCodes() {
  return read().map((entry) => entry.code);
}

export function isKept(code) {
  return keptCodes().includes(normaliseCode(code));
}

export function keepCode(raw) {
  const code = normaliseCode(raw);
  if (!CODE.test(code)) return false;
  const others = read().filter((entry) => entry.code !== code);
  return write([{ code, kept: new Date().toISOString().slice(0, 10) }, ...others]);
}

export function forgetCode(raw) {
  const code = normaliseCode(raw);
  write(read().filter((entry) => entry.code !== code));
}
