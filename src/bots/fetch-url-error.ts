/** Why fetching a web page for a bot failed, in words a user (and the model) can act on. */
import { AppError } from "../core/app-error.js";

/**
 * `url_refused`: the URL or an address it leads to is one Parley must not fetch (reliability.md, security);
 * `url_too_large`, `url_timeout`: over the size or time limit; `url_unreachable`: the network or the site failed;
 * `url_unsupported`: not a page Parley can read (for example an image or a PDF).
 */
export type FetchUrlErrorCode =
  | "url_refused"
  | "url_too_large"
  | "url_timeout"
  | "url_unreachable"
  | "url_unsupported";

const STATUS_BY_CODE: Record<FetchUrlErrorCode, number> = {
  url_refused: 400,
  url_too_large: 413,
  url_timeout: 504,
  url_unreachable: 502,
  url_unsupported: 415,
};

export class FetchUrlError extends AppError {
  declare readonly code: FetchUrlErrorCode;

  constructor(code: FetchUrlErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { status: STATUS_BY_CODE[code], ...options });
  }

  /** The FetchUrlError somewhere in `error`'s cause chain (undici wraps what a connector throws). */
  static within(error: unknown): FetchUrlError | undefined {
    for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
      if (current instanceof FetchUrlError) return current;
      current = current.cause;
    }
    return undefined;
  }
}
