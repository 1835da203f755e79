/**
 * A function tool's definition as OpenAI's APIs write it: nested under `function` in Chat Completions, flat in the
 * Responses API, the same fields either way.
 */
import { z } from "zod";
import { TOOL_NAME, type ToolDefinition } from "../../core/tool-call.js";

export const functionDefinitionFields = {
  name: z.string().regex(TOOL_NAME, "must be 1-64 letters, digits, underscores or dashes"),
  description: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown(), "must be a JSON Schema object").nullish(),
  strict: z.boolean().nullish(),
};

export type FunctionDefinition = z.infer<z.ZodObject<typeof functionDefinitionFields>>;

export function toToolDefinition({
  name,
  description,
  parameters,
  strict,
}: FunctionDefinition): ToolDefinition {
  return {
    name,
    ...(description != null && { description }),
    ...(parameters != null && { parameters }),
    ...(strict != null && { strict }),
  };
}
