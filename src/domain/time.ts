const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when `timeZone` is an IANA zone this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

const QUARTER_HOUR = 15 * 60_000;
const days = new Map<string, string>();

/**
 * The calendar day (`YYYY-MM-DD`) of `at` in `timeZone`: the unit of the daily food cap. Every zone's
 * offset and every daylight-saving switch falls on a quarter hour, so the answer is the same within one
 * and is remembered per zone and quarter hour (Intl formatting is slow enough to show up per delivery;
 * toISOString, for UTC, too).
 */
export function dayKey(at: Date, timeZone: string): string {
  const key = `${timeZone}|${Math.floor(at.getTime() / QUARTER_HOUR)}`;
  let day = days.get(key);
  if (day === undefined) {
    const parts = formatterFor(timeZone).formatToParts(at);
    const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
    day = `${get("year")}-${get("month")}-${get("day")}`;
    if (days.size > 10_000) days.clear();
    days.set(key, day);
  }
  return day;
}

/** The month (1–12) of `at` in `timeZone`, for seasons. */
export function monthIn(at: Date, timeZone: string): number {
  return Number(dayKey(at, timeZone).slice(5, 7));
}
