/** An error answer from Parley's API, with the stable code and message the server gave. */
import { signalSignedOut } from "./signed-out-signal.js";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }

  /** Reads the server's `{error: {code, message}}` body; anything else still becomes a readable error. */
  static async fromResponse(response: Response): Promise<ApiError> {
    if (response.status === 401) signalSignedOut();
    let code = `http_${response.status}`;
    let message = `${response.status} ${response.statusText}`.trim();
    try {
      const body = (await response.json()) as { error?: { code?: string; message?: string } };
      if (body.error?.code) code = body.error.code;
      if (body.error?.message) message = body.error.message;
    } catch {
      // A proxy's HTML error page: the status line is all there is to say.
    }
    return new ApiError(response.status, code, message);
  }
}

/** True for failures where the same request may work later: network errors, overload, restarts. */
export function isTransient(error: unknown): boolean {
  if (error instanceof ApiError) return error.status === 429 || error.status >= 500;
  return error instanceof TypeError;
}
