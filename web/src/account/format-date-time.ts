/** A moment as the account pages show it (date and time, in the reader's locale). */

/** One formatter per locale: making one costs far more than formatting with it, and a table formats every cell. */
const formatters = new Map<string, Intl.DateTimeFormat>();

export function formatDateTime(time: number, locale: string): string {
  let formatter = formatters.get(locale);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });
    formatters.set(locale, formatter);
  }
  return formatter.format(time);
}
