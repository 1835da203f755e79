/**
 * A fake remote embedding model server for tests of remote embedding models: real HTTP on 127.0.0.1 speaking
 * OpenAI's Embeddings wire format (`POST /v1/embeddings`), as strict as OpenAI's API about the request: it needs its
 * key when it has one, and refuses a field it does not know.
 *
 * A model name is `<behaviour>` or `<behaviour>@<label>`:
 * - `shortens`: vectors of `NATIVE_DIMENSIONS`, shortened to `dimensions` when asked (as text-embedding-3 models do);
 * - `fixed`: refuses `dimensions` (as text-embedding-ada-002 does);
 * - `ignores-dimensions`: its own length whatever `dimensions` asks (as some servers answer);
 * - `window-<tokens>`: refuses a request with an input longer than that many tokens with OpenAI's 400 for a text
 *   too long for the model (OpenAI's models take 8192);
 * - `status-<code>`: answers that status with OpenAI's error body.
 *
 * Vectors are `fakeEmbedding(text, dimensions)`; `usage.prompt_tokens` counts the words of every input, and a word
 * is a token. A server started with `rateLimited` answers every request with OpenAI's 429, whatever the model.
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

/** The length of the vectors, unless shortened. */
export const NATIVE_DIMENSIONS = 16;

/** The request fields OpenAI's Embeddings API takes. */
const KNOWN_FIELDS = new Set(["model", "input", "encoding_format", "dimensions", "user"]);

export type EmbeddingsRequest = {
  /** The model asked for. */
  model: string;
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
};

export type EmbeddingsUpstream = {
  /** The API's base, for a provider's `baseURL`. */
  baseURL: string;
  requests: EmbeddingsRequest[];
  requestsFor(model: string): EmbeddingsRequest[];
  close(): Promise<void>;
};

/**
 * A unit vector made of the text's words, each hashed to one of `NATIVE_DIMENSIONS` slots: texts that share words
 * point alike. Shortened to `dimensions` as a Matryoshka model is: its first values, made a unit vector again.
 */
export function fakeEmbedding(text: string, dimensions = NATIVE_DIMENSIONS): number[] {
  const vector = new Array<number>(NATIVE_DIMENSIONS).fill(0.1);
  for (const word of wordsOf(text)) {
    let hash = 7;
    for (const character of word) hash = (hash * 31 + (character.codePointAt(0) ?? 0)) >>> 0;
    vector[hash % NATIVE_DIMENSIONS] = (vector[hash % NATIVE_DIMENSIONS] ?? 0) + 1;
  }
  const kept = vector.slice(0, dimensions);
  const norm = Math.hypot(...kept);
  return kept.map((value) => value / norm);
}

export type EmbeddingsUpstreamConfig = {
  /** The only key it takes, when given. */
  apiKey?: string;
  /** Over its rate limit: every request is a 429, with this `Retry-After` when one is given. */
  rateLimited?: { retryAfter?: string };
};

/** Starts the server on a port of its own. */
export async function startEmbeddingsUpstream(
  config: EmbeddingsUpstreamConfig = {},
): Promise<EmbeddingsUpstream> {
  const requests: EmbeddingsRequest[] = [];
  const server = createServer((request, response) => {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { "content-type": "application/json", ...headers });
      response.end(JSON.stringify(body));
    };
    const refuse = (status: number, message: string, code: string | null = null) =>
      send(status, {
        error: { message, type: status >= 500 ? "server_error" : "invalid_request_error", param: null, code },
      });
    let text = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => {
      text += chunk;
    });
    request.on("end", () => {
      if (request.method !== "POST" || request.url !== "/v1/embeddings") {
        refuse(404, `Invalid URL (${request.method} ${request.url})`);
        return;
      }
      if (config.apiKey !== undefined && request.headers.authorization !== `Bearer ${config.apiKey}`) {
        refuse(401, "Incorrect API key provided.", "invalid_api_key");
        return;
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        refuse(400, "We could not parse the JSON body of your request.");
        return;
      }
      const model = String(body.model);
      requests.push({ model, body, headers: request.headers });
      if (config.rateLimited) {
        const { retryAfter } = config.rateLimited;
        send(
          429,
          {
            error: {
              message: `Rate limit reached for ${model} on requests per min (RPM): Limit 3000, Used 3000, Requested 1.`,
              type: "requests",
              param: null,
              code: "rate_limit_exceeded",
            },
          },
          retryAfter === undefined ? {} : { "retry-after": retryAfter },
        );
        return;
      }
      const unknown = Object.keys(body).find((field) => !KNOWN_FIELDS.has(field));
      if (unknown !== undefined) {
        refuse(400, `Unrecognized request argument supplied: ${unknown}`);
        return;
      }
      const behaviour = model.split("@")[0] ?? "";
      const status = /^status-(\d{3})$/.exec(behaviour);
      if (status) {
        refuse(Number(status[1]), `The upstream answered ${status[1]} as asked.`);
        return;
      }
      const inputs = typeof body.input === "string" ? [body.input] : body.input;
      if (
        !Array.isArray(inputs) ||
        inputs.length === 0 ||
        !inputs.every((input) => typeof input === "string")
      ) {
        refuse(400, "'input' must be a string or an array of strings.");
        return;
      }
      const contextWindow = /^window-(\d+)$/.exec(behaviour);
      const longest = Math.max(...inputs.map((input) => wordsOf(input).length));
      if (contextWindow && longest > Number(contextWindow[1])) {
        refuse(
          400,
          `This model's maximum context length is ${contextWindow[1]} tokens, however you requested ${longest} tokens (${longest} in your prompt; 0 for the completion). Please reduce your prompt; or completion length.`,
        );
        return;
      }
      const dimensions = body.dimensions;
      if (dimensions !== undefined && behaviour === "fixed") {
        refuse(400, "This model does not support specifying dimensions.");
        return;
      }
      if (
        dimensions !== undefined &&
        (typeof dimensions !== "number" || dimensions < 1 || dimensions > NATIVE_DIMENSIONS)
      ) {
        refuse(400, `'dimensions' must be between 1 and ${NATIVE_DIMENSIONS}.`);
        return;
      }
      const length =
        behaviour === "shortens" && typeof dimensions === "number" ? dimensions : NATIVE_DIMENSIONS;
      const tokens = inputs.reduce((sum, input) => sum + wordsOf(input).length, 0);
      send(200, {
        object: "list",
        data: inputs.map((input, index) => {
          const vector = fakeEmbedding(input, length);
          return {
            object: "embedding",
            index,
            embedding:
              body.encoding_format === "base64"
                ? Buffer.from(Float32Array.from(vector).buffer).toString("base64")
                : vector,
          };
        }),
        model,
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    requestsFor: (model) => requests.filter((request) => request.model === model),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function wordsOf(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}
