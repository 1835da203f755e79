/**
 * Fetches one web page for a bot, safely: http(s) only, every connection (the first and each redirect's) to a
 * checked address, at most a few redirects, and hard limits on size and time.
 */
import { Agent, fetch } from "undici";
import { type AddressPolicy, DEFAULT_ADDRESS_POLICY } from "./address-policy.js";
import { createCheckedConnector, type HostLookup } from "./checked-connector.js";
import { FetchUrlError } from "./fetch-url-error.js";

export type FetchPageOptions = {
  /** Which addresses may be connected to; the default refuses every internal one. */
  policy?: AddressPolicy;
  /** How host names resolve; the system's resolver by default. */
  lookup?: HostLookup;
  /** Largest body in bytes (after decompression). */
  maxBytes?: number;
  /** Milliseconds for the whole fetch, redirects and body included. */
  timeoutMs?: number;
  maxRedirects?: number;
  signal?: AbortSignal;
};

export type FetchedPage = {
  /** Where the page was found, after redirects. */
  url: string;
  /** The media type without parameters, lower-case (`text/html`). */
  contentType: string;
  text: string;
};

export const FETCH_PAGE_DEFAULTS = {
  maxBytes: 2 * 1024 * 1024,
  timeoutMs: 15_000,
  maxRedirects: 5,
} as const;

const READABLE_TYPES = new Set(["text/html", "application/xhtml+xml", "text/plain", "text/markdown"]);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export async function fetchPage(url: string, options: FetchPageOptions = {}): Promise<FetchedPage> {
  const maxBytes = options.maxBytes ?? FETCH_PAGE_DEFAULTS.maxBytes;
  const timeoutMs = options.timeoutMs ?? FETCH_PAGE_DEFAULTS.timeoutMs;
  const maxRedirects = options.maxRedirects ?? FETCH_PAGE_DEFAULTS.maxRedirects;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  // A dispatcher per fetch: no pooled connection outlives the checks made for it.
  const dispatcher = new Agent({
    connect: createCheckedConnector({
      policy: options.policy ?? DEFAULT_ADDRESS_POLICY,
      ...(options.lookup && { lookup: options.lookup }),
      connectTimeoutMs: timeoutMs,
    }),
  });
  let current = fetchableUrl(url);
  try {
    for (let redirects = 0; ; redirects++) {
      const response = await fetch(current, {
        dispatcher,
        redirect: "manual",
        signal,
        headers: {
          accept: "text/html,application/xhtml+xml,text/markdown;q=0.9,text/plain;q=0.8",
          "user-agent": "Mozilla/5.0 (compatible; Parley fetch_url)",
        },
      });
      if (REDIRECT_STATUSES.has(response.status)) {
        await response.body?.cancel();
        const location = response.headers.get("location");
        if (location === null) {
          throw new FetchUrlError(
            "url_unreachable",
            `${current} redirected (${response.status}) without a Location.`,
          );
        }
        if (redirects >= maxRedirects) {
          throw new FetchUrlError("url_unreachable", `${url} redirected more than ${maxRedirects} times.`);
        }
        // Each hop is checked again: its scheme here, its addresses by the connector.
        current = fetchableUrl(new URL(location, current).href);
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new FetchUrlError("url_unreachable", `${current} answered with HTTP ${response.status}.`);
      }
      const contentTypeHeader = response.headers.get("content-type") ?? "text/html";
      const contentType = contentTypeHeader.split(";")[0]?.trim().toLowerCase() ?? "";
      if (!READABLE_TYPES.has(contentType)) {
        await response.body?.cancel();
        throw new FetchUrlError(
          "url_unsupported",
          `${current} is ${contentType || "of no stated type"}, not a web page or text Parley can read.`,
        );
      }
      const declaredLength = Number(response.headers.get("content-length") ?? Number.NaN);
      if (declaredLength > maxBytes) {
        await response.body?.cancel();
        throw tooLarge(current, maxBytes);
      }
      const bytes = await readAtMost(response.body as ReadableStream<Uint8Array> | null, maxBytes, current);
      return { url: current, contentType, text: decode(bytes, contentTypeHeader) };
    }
  } catch (error) {
    if (timeout.aborted) {
      throw new FetchUrlError("url_timeout", `${url} did not arrive within ${timeoutMs / 1000} s.`, {
        cause: error,
      });
    }
    const known = FetchUrlError.within(error);
    if (known) throw known;
    if (options.signal?.aborted) throw error;
    const reason =
      error instanceof Error
        ? error.cause instanceof Error
          ? error.cause.message
          : error.message
        : String(error);
    throw new FetchUrlError("url_unreachable", `${current} could not be fetched: ${reason}.`, {
      cause: error,
    });
  } finally {
    void dispatcher.destroy().catch(() => {});
  }
}

/** The URL, normalized, if it is one Parley fetches: http or https, and no credentials in it. */
export function fetchableUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new FetchUrlError("url_refused", `${JSON.stringify(text)} is not a URL.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new FetchUrlError("url_refused", `Parley fetches only http and https URLs, not ${url.protocol}.`);
  }
  if (url.username !== "" || url.password !== "") {
    throw new FetchUrlError(
      "url_refused",
      "Parley does not fetch URLs with a user name or password in them.",
    );
  }
  url.hash = "";
  return url.href;
}

async function readAtMost(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  url: string,
): Promise<Uint8Array> {
  if (body === null) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > maxBytes) {
      await reader.cancel();
      throw tooLarge(url, maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, length);
}

function tooLarge(url: string, maxBytes: number): FetchUrlError {
  return new FetchUrlError(
    "url_too_large",
    `${url} is larger than ${(maxBytes / 1024 / 1024).toFixed(1)} MB, more than Parley reads from one page.`,
  );
}

/** Text in the charset the header or the page's own <meta> names; UTF-8 when neither does or it is unknown. */
function decode(bytes: Uint8Array, contentTypeHeader: string): string {
  const head = Buffer.from(bytes.subarray(0, 2048)).toString("latin1");
  const charset =
    /charset\s*=\s*["']?([\w-]+)/i.exec(contentTypeHeader)?.[1] ??
    /<meta[^>]+charset\s*=\s*["']?([\w-]+)/i.exec(head)?.[1] ??
    "utf-8";
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return new TextDecoder("utf-8").decode(bytes);
  }
}
