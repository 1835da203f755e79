/**
 * OpenAI's structured outputs, a reply held to a JSON Schema: Chat Completions nests these fields under
 * `response_format.json_schema`, the Responses API puts them flat in `text.format`.
 */
import { z } from "zod";
import type { ResponseFormat } from "../../providers/chat-model.js";

export const jsonSchemaFormatFields = {
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "must be 1-64 letters, digits, underscores or dashes"),
  description: z.string().nullish(),
  schema: z.record(z.string(), z.unknown(), "must be a JSON Schema object").nullish(),
  strict: z.boolean().nullish(),
};

export type JsonSchemaFormat = z.infer<z.ZodObject<typeof jsonSchemaFormatFields>>;

export function toJsonSchemaFormat({ name, description, schema, strict }: JsonSchemaFormat): ResponseFormat {
  return {
    type: "json_schema",
    name,
    ...(description != null && { description }),
    ...(schema != null && { schema }),
    ...(strict != null && { strict }),
  };
}
