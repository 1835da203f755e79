/** Validates a request body or query with a zod schema, answering 400 with what was wrong and where. */
import type { z } from "zod";
import { BadRequestError } from "../core/app-error.js";

export function parseInput<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  what = "body",
): z.infer<Schema> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const where = issue.path.length > 0 ? `\`${issue.path.join(".")}\`` : `the ${what}`;
    return `${where}: ${issue.message}`;
  });
  throw new BadRequestError(`Invalid request ${what}: ${problems.join("; ")}.`, {
    code: "invalid_request",
    details: { issues: result.error.issues.map((issue) => ({ path: issue.path, message: issue.message })) },
  });
}
