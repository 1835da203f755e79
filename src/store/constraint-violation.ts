/** Tells which integrity rule a failed write broke, in either dialect, so repositories can raise Parley errors. */

export type ConstraintViolation = "unique" | "foreign_key";

/** better-sqlite3 reports extended result codes as strings; pg reports SQLSTATE codes. */
const violationsByCode: Record<string, ConstraintViolation> = {
  SQLITE_CONSTRAINT_PRIMARYKEY: "unique",
  SQLITE_CONSTRAINT_UNIQUE: "unique",
  SQLITE_CONSTRAINT_FOREIGNKEY: "foreign_key",
  "23505": "unique",
  "23503": "foreign_key",
};

export function constraintViolationOf(error: unknown): ConstraintViolation | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  const code = error.code;
  return typeof code === "string" ? violationsByCode[code] : undefined;
}
