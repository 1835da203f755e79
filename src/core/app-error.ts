/** The one error family of Parley: every failure has a stable `code`, an HTTP `status` and an optional `cause`. */

export type AppErrorOptions = {
  status?: number;
  cause?: unknown;
  /** Extra facts for the client (for example which field was wrong). Never secrets. */
  details?: Record<string, unknown>;
};

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = options.status ?? 500;
    this.details = options.details;
  }

  static is(value: unknown): value is AppError {
    return value instanceof AppError;
  }
}

/** The request itself is wrong; the message says what to change. */
export class BadRequestError extends AppError {
  constructor(message: string, options: Omit<AppErrorOptions, "status"> & { code?: string } = {}) {
    super(options.code ?? "bad_request", message, { ...options, status: 400 });
  }
}

export class NotFoundError extends AppError {
  constructor(what: string, id: string) {
    super("not_found", `${what} ${JSON.stringify(id)} was not found.`, { status: 404, details: { id } });
  }
}

export class ConflictError extends AppError {
  constructor(message: string, options: Omit<AppErrorOptions, "status"> = {}) {
    super("conflict", message, { ...options, status: 409 });
  }
}

/** A model is known but cannot answer now (engine starting, crashed, no file). */
export class ModelUnavailableError extends AppError {
  constructor(message: string, options: Omit<AppErrorOptions, "status"> = {}) {
    super("model_unavailable", message, { ...options, status: 503 });
  }
}

/** The server has as much of some work under way as it takes on; the client may try again after a moment. */
export class ServerBusyError extends AppError {
  constructor(message: string, retryAfterSeconds = 1) {
    super("busy", message, { status: 503, details: { retryAfterSeconds } });
  }
}

/** A configuration file or environment variable is wrong; the message names the key and the fix. */
export class ConfigError extends AppError {
  constructor(message: string, options: Omit<AppErrorOptions, "status"> = {}) {
    super("invalid_config", message, { ...options, status: 500 });
  }
}

/** A GGUF file that llama.cpp would refuse or abort on. */
export class InvalidModelFileError extends AppError {
  constructor(message: string, options: Omit<AppErrorOptions, "status"> = {}) {
    super("invalid_model_file", message, { ...options, status: 422 });
  }
}

export type ProviderErrorOptions = Omit<AppErrorOptions, "status"> & {
  statusCode?: number;
  responseBody?: string;
  isRetryable?: boolean;
  code?: string;
};

/** A failure of an upstream model provider (remote API or local engine process). */
export class ProviderError extends AppError {
  readonly statusCode: number | undefined;
  readonly responseBody: string | undefined;
  readonly isRetryable: boolean;

  constructor(message: string, options: ProviderErrorOptions = {}) {
    super(options.code ?? "upstream_error", message, { ...options, status: 502 });
    this.statusCode = options.statusCode;
    this.responseBody = options.responseBody;
    this.isRetryable =
      options.isRetryable ??
      (options.statusCode === undefined ||
        options.statusCode === 408 ||
        options.statusCode === 409 ||
        options.statusCode === 429 ||
        options.statusCode >= 500);
  }
}

/** True for the abort of an operation that was asked to stop: aborts are outcomes, not errors. */
export function isAbortError(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.name === "AbortError" || error.name === "APIUserAbortError" || error.name === "TimeoutError")
  );
}
