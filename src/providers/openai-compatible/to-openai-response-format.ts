/** A ResponseFormat as OpenAI's API takes it: `response_format`, with the schema's fields under `json_schema`. */
import type { ResponseFormat } from "../chat-model.js";

export function toOpenAIResponseFormat(format: ResponseFormat): Record<string, unknown> {
  if (format.type === "json_object") return { type: "json_object" };
  const { type, ...jsonSchema } = format;
  return { type, json_schema: jsonSchema };
}
