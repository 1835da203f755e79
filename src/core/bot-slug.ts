/** Bot slugs: the short names in a bot's link and in `bot:<slug>`, checked and derived from names. */

export const BOT_SLUG_MAX_LENGTH = 64;

/** Lower-case ASCII letters and digits in groups joined by single hyphens; no underscores, so never a bot id. */
const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export function isBotSlug(text: string): boolean {
  return text.length <= BOT_SLUG_MAX_LENGTH && SLUG_PATTERN.test(text);
}

/** What a slug must look like, for error messages. */
export const BOT_SLUG_RULE = `lower-case letters, digits and single hyphens (like "code-tutor"), at most ${BOT_SLUG_MAX_LENGTH} characters`;

/**
 * A slug from a bot's name: accents folded ("Café" -> "cafe"), everything else that is not a letter or digit
 * becomes a hyphen. Empty for a name with no Latin letters or digits (for example "翻译"): the caller then picks one.
 */
export function slugFromName(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, BOT_SLUG_MAX_LENGTH)
    .replace(/-+$/, "");
}
