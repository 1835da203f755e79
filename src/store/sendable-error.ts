/**
 * Errors across a thread boundary: structured cloning keeps an Error's message but not its class or `code`, and
 * callers of the store tell failures apart by both (a missing run, a conflict, a busy database).
 */
import Database from "better-sqlite3";
import { AppError, ConflictError, NotFoundError } from "../core/app-error.js";

export type SendableError = {
  name: string;
  message: string;
  code?: unknown;
  status?: number;
  details?: Record<string, unknown>;
};

export function sendableError(error: unknown): SendableError | undefined {
  if (error === undefined) return undefined;
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  return {
    name: error.name,
    message: error.message,
    ...("code" in error && { code: error.code }),
    ...(error instanceof AppError && { status: error.status }),
    ...(error instanceof AppError && error.details && { details: error.details }),
  };
}

export function revivedError(sent: SendableError | undefined): Error | undefined {
  if (sent === undefined) return undefined;
  const { name, message, code, status, details } = sent;
  if (name === "NotFoundError") {
    return Object.assign(new NotFoundError("", String(details?.id ?? "")), { message });
  }
  if (name === "ConflictError") return new ConflictError(message);
  if (typeof code === "string" && name === "SqliteError") return new Database.SqliteError(message, code);
  if (typeof code === "string") {
    return new AppError(code, message, {
      ...(status !== undefined && { status }),
      ...(details && { details }),
    });
  }
  return new Error(message);
}
