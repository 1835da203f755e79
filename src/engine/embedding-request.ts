/** Validates an OpenAI Embeddings request body (`POST /v1/embeddings`) into the texts the engine embeds. */
import { z } from "zod";
import { requestIssueError } from "./request-issue.js";

export type EmbeddingRequest = {
  /** One or more texts, each embedded on its own, answered in this order. */
  inputs: string[];
  /** `base64` is what the official OpenAI clients ask for by default: the float32 bytes, little-endian. */
  encodingFormat: "float" | "base64";
  /** The size the client expects, when it named one; the engine cannot change its model's size. */
  dimensions: number | undefined;
  /**
   * Cut an input longer than the model's window to its beginning instead of refusing the request: not OpenAI's,
   * but the `truncate` of Hugging Face TEI and Ollama, so the same clients work.
   */
  truncate: boolean;
};

/** OpenAI's own limit on inputs per request. */
export const MAX_EMBEDDING_INPUTS = 2048;

const text = z
  .string({
    error: "must be a string or an array of strings (token arrays are not supported by the local engine)",
  })
  .min(1, { error: "must not be an empty string" });

const requestSchema = z.object({
  model: z.string().optional(),
  input: z.union(
    [text, z.array(text).min(1, { error: "must contain at least one text" }).max(MAX_EMBEDDING_INPUTS)],
    {
      error: "must be a string or an array of strings (token arrays are not supported by the local engine)",
    },
  ),
  encoding_format: z.enum(["float", "base64"], { error: 'must be "float" or "base64"' }).nullish(),
  dimensions: z.int().min(1).nullish(),
  user: z.string().nullish(),
  truncate: z.boolean().nullish(),
});

export function parseEmbeddingRequest(body: unknown): EmbeddingRequest {
  const parsed = requestSchema.safeParse(body, { reportInput: true });
  if (!parsed.success) throw requestIssueError(parsed.error);
  const input = parsed.data;
  return {
    inputs: typeof input.input === "string" ? [input.input] : input.input,
    encodingFormat: input.encoding_format ?? "float",
    dimensions: input.dimensions ?? undefined,
    truncate: input.truncate ?? false,
  };
}
