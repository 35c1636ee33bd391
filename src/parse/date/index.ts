/**
 * Feed dates → ms since epoch. A small table-driven parser; never throws, never uses Date.parse.
 *
 * Accepted shapes (case-insensitive, whitespace collapsed, `(comments)` dropped, a leading weekday
 * dropped unchecked — a wrong weekday is ignored):
 *   RFC 822/1123/2822   `Thu, 14 Sep 2023 17:45:02 GMT`, `14 sep 23 17:45 +0800`, `14-Sep-2023 …`
 *   month first         `Sep 14, 2023 5:45 PM EST`, `September 14 2023`
 *   asctime / date(1)   `Thu Sep 14 17:45:02 2023`, `Thu Sep 14 17:45:02 UTC 2023`
 *   ISO 8601 / W3CDTF   `2023`, `2023-09`, `2023-09-14`, `2023-09-14T17:45Z`, `2023-09-14T17:45:02.123+08:00`,
 *                       `2023-09-14 17:45:02 +0800`, `2023/09/14 17:45` (also `.`-separated)
 *   Chinese             `2023年09月14日 17:45`, `2023年9月14日 17时45分`, `2023年9月14日`
 *
 * Decisions:
 * - Zones: numeric (`+0800`, `+08:00`, `+08`, `GMT+8`) or named. Named zones follow RFC 822, so `CST`
 *   is US Central (-06:00), not China Standard Time. A few unambiguous non-RFC names (CET, JST, HKT, …)
 *   are also known. An unknown name is read as UTC with a warning.
 * - Military single letters other than Z: RFC 822 defined them with the signs reversed, so RFC 2822
 *   §4.3 says to treat them as -0000 (UTC, offset unknown). We do that, with a warning.
 * - No zone: ISO/RFC/month-first forms are taken as UTC with no warning (date-only values are days,
 *   and zone-less times are usually UTC in feeds; a warning would fire on many feeds for no action).
 * - Chinese forms are taken as UTC+8 (Beijing time, the archive's audience), date-only included, unless
 *   they carry an explicit zone.
 * - Two-digit years: 00–49 → 20xx, 50–99 → 19xx (RFC 2822 §4.3).
 * - Fullwidth digits and punctuation are folded (NFKC) before matching.
 * - Calendar-invalid values (`2023-02-30`, `25:00`) are unparseable, not rolled over.
 */

export interface ParsedDate {
  ms: number | null;
  warning: string | null;
}

interface Fields {
  year: number;
  month: number; // 1–12
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  /** Zone text as written, or undefined. */
  zone: string | undefined;
  /** Offset in minutes east of UTC used when no zone is written. */
  defaultOffset: number;
}

const MONTHS = [
  'january', 'february', 'march', 'april', 'may', 'june',
  'july', 'august', 'september', 'october', 'november', 'december',
];

/** Named zones, minutes east of UTC. The first block is RFC 822's list. */
const ZONES: Record<string, number> = {
  ut: 0, utc: 0, gmt: 0, z: 0,
  est: -300, edt: -240, cst: -360, cdt: -300, mst: -420, mdt: -360, pst: -480, pdt: -420,
  // Common, unambiguous extras.
  wet: 0, west: 60, bst: 60, cet: 60, cest: 120, eet: 120, eest: 180, msk: 180,
  hkt: 480, sgt: 480, jst: 540, kst: 540, aest: 600, aedt: 660,
  akst: -540, akdt: -480, hst: -600,
};

/** Offset applied to Chinese-format dates without a zone: Beijing time. */
const CHINA_OFFSET = 480;

// Regex building blocks. Each pattern below is anchored and matched against the normalised input.
const ZONE = String.raw`(?<zone>(?:gmt|utc|ut)?\s*[+-]\d{1,2}(?::?\d{2})?|[a-z]{1,5})`;
const TIME =
  String.raw`(?<hour>\d{1,2})[:：](?<minute>\d{2})(?:[:：](?<second>\d{2})(?:[.,](?<fraction>\d+))?)?` +
  String.raw`(?:\s*(?<ampm>[ap])\.?m\.?)?`;
const MONTH = String.raw`(?<monthName>[a-z]{3,9})\.?`;

interface Pattern {
  name: string;
  re: RegExp;
  /** Minutes east of UTC assumed when no zone is written. */
  defaultOffset: number;
}

const PATTERNS: Pattern[] = [
  {
    name: 'iso',
    re: new RegExp(
      String.raw`^(?<year>\d{4})(?<sep>[-/.])(?<month>\d{1,2})(?:\k<sep>(?<day>\d{1,2})` +
        String.raw`(?:(?:t|\s+)${TIME}(?:\s*${ZONE})?)?)?$`,
      'i',
    ),
    defaultOffset: 0,
  },
  { name: 'year', re: /^(?<year>\d{4})$/, defaultOffset: 0 },
  {
    name: 'rfc822',
    re: new RegExp(
      String.raw`^(?<day>\d{1,2})[\s-]+${MONTH}[\s-]+(?<year>\d{4}|\d{2}),?(?:\s+${TIME}(?:\s*${ZONE})?)?$`,
      'i',
    ),
    defaultOffset: 0,
  },
  {
    name: 'month-first',
    re: new RegExp(
      String.raw`^${MONTH}\s+(?<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?<year>\d{4}),?(?:\s+(?:at\s+)?${TIME}(?:\s*${ZONE})?)?$`,
      'i',
    ),
    defaultOffset: 0,
  },
  {
    name: 'asctime',
    re: new RegExp(String.raw`^${MONTH}\s+(?<day>\d{1,2})\s+${TIME}(?:\s*${ZONE})?\s+(?<year>\d{4})$`, 'i'),
    defaultOffset: 0,
  },
  {
    name: 'chinese',
    re: new RegExp(
      String.raw`^(?<year>\d{4})\s*年\s*(?<month>\d{1,2})\s*月\s*(?<day>\d{1,2})\s*[日号]` +
        String.raw`(?:\s*(?<hour>\d{1,2})\s*[:时點点]\s*(?<minute>\d{1,2})(?:\s*[:分]\s*(?:(?<second>\d{1,2})\s*秒?)?)?)?` +
        String.raw`(?:\s*${ZONE})?$`,
      'i',
    ),
    defaultOffset: CHINA_OFFSET,
  },
];

const WEEKDAY = /^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?\s*,?\s*/i;

export function parseDate(input: string | null | undefined): ParsedDate {
  try {
    return parse(input);
  } catch {
    return unparseable(String(input));
  }
}

function parse(input: string | null | undefined): ParsedDate {
  if (input === null || input === undefined || input.trim() === '') return { ms: null, warning: 'missing date' };
  const text = normalise(input);
  for (const pattern of PATTERNS) {
    const groups = pattern.re.exec(text)?.groups;
    if (!groups) continue;
    const fields = toFields(groups, pattern.defaultOffset);
    if (!fields) continue;
    const result = compose(fields, input);
    if (result) return result;
  }
  return unparseable(input);
}

function normalise(input: string): string {
  return input
    .normalize('NFKC')
    .replace(/\([^)]*\)/g, ' ') // RFC 2822 comments, e.g. "+0800 (CST)"
    .replace(/\s+/g, ' ')
    .trim()
    .replace(WEEKDAY, '')
    .replace(/\s*(?:北京时间|北京時間)$/, ''); // an explicit "Beijing time" suffix is the Chinese default
}

function toFields(g: Record<string, string | undefined>, defaultOffset: number): Fields | null {
  let year = Number(g.year);
  if (g.year?.length === 2) year += year < 50 ? 2000 : 1900;
  let month = g.month !== undefined ? Number(g.month) : 1;
  if (g.monthName !== undefined) {
    const index = monthIndex(g.monthName);
    if (index === null) return null;
    month = index + 1;
  }
  let hour = g.hour !== undefined ? Number(g.hour) : 0;
  if (g.ampm !== undefined) {
    if (hour < 1 || hour > 12) return null;
    hour = (hour % 12) + (g.ampm.toLowerCase() === 'p' ? 12 : 0);
  }
  return {
    year,
    month,
    day: g.day !== undefined ? Number(g.day) : 1,
    hour,
    minute: g.minute !== undefined ? Number(g.minute) : 0,
    second: g.second !== undefined ? Number(g.second) : 0,
    millisecond: g.fraction !== undefined ? Number(g.fraction.slice(0, 3).padEnd(3, '0')) : 0,
    zone: g.zone,
    defaultOffset,
  };
}

/** 0-based month for "sep", "Sept", "september"; null for anything else. */
function monthIndex(name: string): number | null {
  const lower = name.toLowerCase();
  if (lower === 'sept') return 8;
  const index = MONTHS.findIndex((full) => full.startsWith(lower));
  return lower.length >= 3 && index >= 0 ? index : null;
}

function compose(f: Fields, input: string): ParsedDate | null {
  const daysInMonth = new Date(Date.UTC(2000, f.month, 0)).getUTCDate(); // leap-year-neutral upper bound
  if (f.month < 1 || f.month > 12 || f.day < 1 || f.day > daysInMonth) return null;
  if (f.month === 2 && f.day === 29 && !isLeapYear(f.year)) return null;
  if (f.hour > 23 || f.minute > 59 || f.second > 60) return null; // 60: a leap second

  let offset = f.defaultOffset;
  let warning: string | null = null;
  if (f.zone !== undefined) {
    const zone = parseZone(f.zone);
    if (zone === null) return null;
    offset = zone.offset;
    warning = zone.warning === null ? null : `${zone.warning} in date ${quote(input)}`;
  }

  let ms = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second, f.millisecond);
  if (f.year < 100) ms = new Date(ms).setUTCFullYear(f.year); // Date.UTC maps years 0–99 to 19xx
  ms -= offset * 60_000;
  return Number.isFinite(ms) ? { ms, warning } : null;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Minutes east of UTC, with a warning for guesses; null when the text is not a zone at all. */
function parseZone(text: string): { offset: number; warning: string | null } | null {
  const zone = text.toLowerCase().replace(/\s+/g, '');
  const numeric = /^(?:gmt|utc|ut)?([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(zone);
  if (numeric) {
    const [, sign, hours = '0', minutes = '0'] = numeric;
    const h = Number(hours);
    const m = Number(minutes);
    if (h > 23 || m > 59) return null;
    return { offset: (sign === '-' ? -1 : 1) * (h * 60 + m), warning: null };
  }
  const named = ZONES[zone];
  if (named !== undefined) return { offset: named, warning: null };
  if (/^[a-y]$/.test(zone) && zone !== 'j') {
    return { offset: 0, warning: `military time zone "${text.toUpperCase()}" read as UTC (RFC 2822 §4.3)` };
  }
  if (/^[a-z]{2,5}$/.test(zone)) return { offset: 0, warning: `unknown time zone "${text}" read as UTC` };
  return null;
}

function unparseable(input: string): ParsedDate {
  return { ms: null, warning: `unparseable date ${quote(input)}` };
}

/** The trimmed input in quotes, cut to 60 characters (the last one an ellipsis when cut). */
function quote(input: string): string {
  const text = input.trim();
  return `"${text.length > 60 ? `${text.slice(0, 59)}…` : text}"`;
}
