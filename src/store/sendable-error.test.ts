import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { AppError, BadRequestError, ConflictError, NotFoundError } from "../core/app-error.js";
import { revivedError, sendableError } from "./sendable-error.js";

/** As a reply from the writer thread carries it: structured-cloned. */
function acrossThreads(error: unknown): Error | undefined {
  return revivedError(structuredClone(sendableError(error)));
}

describe("errors sent across a thread", () => {
  it("come back as the store's own classes, with their messages and codes", () => {
    const missing = acrossThreads(new NotFoundError("Run", "run_1"));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing?.message).toBe('Run "run_1" was not found.');
    expect(acrossThreads(new ConflictError("Already ended."))).toBeInstanceOf(ConflictError);
    const busy = acrossThreads(new Database.SqliteError("database is locked", "SQLITE_BUSY"));
    expect(busy).toBeInstanceOf(Database.SqliteError);
    expect(busy).toMatchObject({ code: "SQLITE_BUSY" });
    expect(acrossThreads(undefined)).toBeUndefined();
  });

  it("keep the HTTP status, code and details of any other AppError", () => {
    const revived = acrossThreads(
      new BadRequestError("limit must be positive.", { details: { field: "limit" } }),
    );
    expect(revived).toBeInstanceOf(AppError);
    expect(revived).toMatchObject({ code: "bad_request", status: 400, details: { field: "limit" } });
    expect(revived?.message).toBe("limit must be positive.");
  });
});
