/**
 * Breakpoints of a prompt cache that a client marked itself (Anthropic's `cache_control`): the prompt's prefix up to
 * each is kept for the next request that starts with it. Only requests through /v1/messages carry them.
 */

/** How long a cached prefix is kept from its last use: five minutes, or an hour (written at a higher price). */
export type CacheTtl = "5m" | "1h";

/**
 * Where a breakpoint falls in a message, whose blocks go images, then text, then calls: `at` is an offset into the
 * message's text where a marked text block ends (0: after its images), or `"end"`, after its last block (a marked
 * call or tool result).
 */
export type CacheBreak = { at: number | "end"; ttl: CacheTtl };

/** Anthropic's API refuses a request with more breakpoints than this. */
export const MAX_CACHE_BREAKS = 4;
