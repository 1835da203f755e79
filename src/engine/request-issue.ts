/** Turns the first zod issue of an OpenAI request body into the 400 an OpenAI client expects, naming the field. */
import type { z } from "zod";
import { BadRequestError } from "../core/app-error.js";

export function requestIssueError(error: z.ZodError): BadRequestError {
  const issue = error.issues[0];
  const param = issue && issue.path.length > 0 ? formatPath(issue.path) : undefined;
  const missing =
    (issue?.code === "invalid_type" || issue?.code === "invalid_union") && issue.input === undefined;
  return new BadRequestError(
    missing
      ? `Missing required parameter: '${param}'.`
      : `Invalid '${param ?? "body"}': ${issue?.message ?? "invalid"}.`,
    { code: missing ? "missing_required_parameter" : "invalid_value", details: { param } },
  );
}

function formatPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const key of path)
    text += typeof key === "number" ? `[${key}]` : text === "" ? String(key) : `.${String(key)}`;
  return text;
}
