/** An error answer from Parley's API, with the stable code and message the server gave. */
import { signalSignedOut } from "./signed-out-signal.js";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** What the server added to its message: when to retry, which models, and so on. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(status: number, code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** Reads the server's `{error: {code, message}}` body; anything else still becomes a readable error. */
  static async fromResponse(response: Response): Promise<ApiError> {
    if (response.status === 401) signalSignedOut();
    let code = `http_${response.status}`;
    let message = `${response.status} ${response.statusText}`.trim();
    let details: Record<string, unknown> = {};
    try {
      const body = (await response.json()) as {
        error?: { code?: string; message?: string; details?: Record<string, unknown> };
      };
      if (body.error?.code) code = body.error.code;
      if (body.error?.message) message = body.error.message;
      if (body.error?.details && typeof body.error.details === "object") details = body.error.details;
    } catch {
      // A proxy's HTML error page: the status line is all there is to say.
    }
    return new ApiError(response.status, code, message, details);
  }
}

/** True for failures where the same request may work later: network errors, overload, restarts. */
export function isTransient(error: unknown): boolean {
  if (error instanceof ApiError) return error.status === 429 || error.status >= 500;
  return error instanceof TypeError;
}
