// Resident ID (GB 11643-1999) and unified social credit code (GB 32100-2015) checks, the
// same rules as hub/identity: a reason and a 1-based position, never the value itself.

const PROVINCES = new Set(["11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36",
  "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82"]);
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = "10X98765432";
const USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const AUTHORITIES = "123456789ANY";

const REASONS = {
  "zh-CN": {
    length_id: (n) => `应为 18 位（或一代证 15 位），现为 ${n} 位`,
    length_uscc: (n) => `应为 18 位，现为 ${n} 位`,
    not_digit: (c) => `“${c}”不是数字`,
    not_digit_x: (c) => `“${c}”不是数字或 X`,
    province: (p) => `地区码 ${p} 不是有效的省级行政区划`,
    month: (m) => `出生月份 ${m} 无效`,
    day: (d) => `出生日期 ${d} 日不存在`,
    early: () => "出生日期早于 1890 年",
    future: () => "出生日期晚于今天",
    check: (e, g) => `校验码应为 ${e}，不是 ${g}`,
    alphabet: (c) => `“${c}”不在统一社会信用代码字符集中`,
    authority: (c) => `登记管理部门代码“${c}”无效`,
    at: (kind, p, r) => `${kind}第 ${p} 位：${r}`,
    whole: (kind, r) => `${kind}：${r}`,
    kind_id: "居民身份证号码",
    kind_uscc: "统一社会信用代码",
  },
  en: {
    length_id: (n) => `expected 18 characters (or 15 for a first-generation ID), got ${n}`,
    length_uscc: (n) => `expected 18 characters, got ${n}`,
    not_digit: (c) => `character '${c}' is not a digit`,
    not_digit_x: (c) => `character '${c}' is not a digit or X`,
    province: (p) => `region code ${p} is not a known province`,
    month: (m) => `month ${m} is not a valid birth month`,
    day: (d) => `day ${d} does not exist in that month`,
    early: () => "birth date is before 1890-01-01",
    future: () => "birth date is in the future",
    check: (e, g) => `check digit should be ${e}, not ${g}`,
    alphabet: (c) => `character '${c}' is not in the USCC alphabet`,
    authority: (c) => `registration authority '${c}' is not a known authority`,
    at: (kind, p, r) => `Invalid ${kind} at character ${p}: ${r}`,
    whole: (kind, r) => `Invalid ${kind}: ${r}`,
    kind_id: "resident ID",
    kind_uscc: "USCC",
  },
};

function fold(raw) {
  return raw.normalize("NFKC").replace(/[\s\-\u2010-\u2015\u2212]/g, "");
}

export function normaliseResidentId(raw) {
  return fold(raw).replace(/x/g, "X");
}

export function normaliseUscc(raw) {
  return fold(raw).replace(/[a-z]/g, (c) => c.toUpperCase());
}

// null when valid, else {position, reason, message} in the language given.
export function checkResidentId(raw, lang = "zh-CN", today = new Date()) {
  const R = REASONS[lang] || REASONS["zh-CN"];
  const fail = (reason, position = null) => ({
    position, reason,
    message: position === null ? R.whole(R.kind_id, reason) : R.at(R.kind_id, position, reason),
  });
  const v = normaliseResidentId(raw);
  if (v.length !== 15 && v.length !== 18) return fail(R.length_id(v.length));
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (c >= "0" && c <= "9") continue;
    if (i === 17 && c === "X") continue;
    return fail(i === 17 ? R.not_digit_x(c) : R.not_digit(c), i + 1);
  }
  const first = v.length === 15;
  const [yearAt, monthAt, dayAt] = first ? [7, 9, 11] : [7, 11, 13];
  if (!PROVINCES.has(v.slice(0, 2))) return fail(R.province(v.slice(0, 2)), 1);
  const year = first ? 1900 + Number(v.slice(6, 8)) : Number(v.slice(6, 10));
  const month = Number(first ? v.slice(8, 10) : v.slice(10, 12));
  const day = Number(first ? v.slice(10, 12) : v.slice(12, 14));
  if (month < 1 || month > 12) return fail(R.month(month), monthAt);
  if (year < 1890) return fail(R.early(), yearAt);
  const born = new Date(Date.UTC(year, month - 1, day));
  if (day < 1 || born.getUTCMonth() !== month - 1) return fail(R.day(day), dayAt);
  const todayUtc = Date.UTC(today.getFullYear(), today.getMonth(), today.getDate());
  if (born.getTime() > todayUtc) return fail(R.future(), yearAt);
  if (!first) {
    let total = 0;
    for (let i = 0; i < 17; i++) total += Number(v[i]) * ID_WEIGHTS[i];
    const expected = ID_CHECK[total % 11];
    if (v[17] !== expected) return fail(R.check(expected, v[17]), 18);
  }
  return null;
}

export function checkUscc(raw, lang = "zh-CN") {
  const R = REASONS[lang] || REASONS["zh-CN"];
  const fail = (reason, position = null) => ({
    position, reason,
    message: position === null ? R.whole(R.kind_uscc, reason) : R.at(R.kind_uscc, position, reason),
  });
  const v = normaliseUscc(raw);
  if (v.length !== 18) return fail(R.length_uscc(v.length));
  for (let i = 0; i < 18; i++) {
    if (!USCC_ALPHABET.includes(v[i])) return fail(R.alphabet(v[i]), i + 1);
  }
  if (!AUTHORITIES.includes(v[0])) return fail(R.authority(v[0]), 1);
  for (let i = 2; i < 8; i++) {
    if (v[i] < "0" || v[i] > "9") return fail(R.not_digit(v[i]), i + 1);
  }
  const region = v.slice(2, 8);
  if (!PROVINCES.has(region.slice(0, 2)) && region !== "100000") return fail(R.province(region.slice(0, 2)), 3);
  let total = 0;
  for (let i = 0; i < 17; i++) total += USCC_ALPHABET.indexOf(v[i]) * USCC_WEIGHTS[i];
  const expected = USCC_ALPHABET[(31 - (total % 31)) % 31];
  if (v[17] !== expected) return fail(R.check(expected, v[17]), 18);
  return null;
}
