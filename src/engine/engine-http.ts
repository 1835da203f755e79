/** Small node:http helpers of the engine: JSON bodies in and out, SSE writes that respect backpressure. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { AppError, BadRequestError } from "../core/app-error.js";
import { openAIErrorResponse } from "./openai-error-body.js";

/** Generous for long chats (a 128k-token prompt is about 0.5 MB of text) yet bounded. */
export const maxRequestBodyBytes = 8 * 1024 * 1024;

export async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxRequestBodyBytes) {
      throw new AppError(
        "request_too_large",
        `The request body is larger than ${maxRequestBodyBytes} bytes.`,
        {
          status: 413,
        },
      );
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BadRequestError(
      `The request body is not valid JSON (${error instanceof Error ? error.message : String(error)}).`,
      { code: "invalid_json", cause: error },
    );
  }
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

export function sendError(response: ServerResponse, error: unknown): void {
  const { status, body } = openAIErrorResponse(error);
  // Tells OpenAI-compatible clients (which retry 503) when a busy engine is worth trying again.
  sendJson(response, status, body, status === 503 ? { "retry-after": "1" } : {});
}

/** Writes and, when the socket buffer is full, waits until it drains or the client goes away. */
export async function writeRespectingBackpressure(response: ServerResponse, data: string): Promise<void> {
  response.write(data);
  await untilDrained(response);
}

/** Resolves at once unless the response's buffer is full; then when it drains or the client goes away. */
export async function untilDrained(response: ServerResponse): Promise<void> {
  if (!response.writableNeedDrain || response.destroyed) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      response.off("drain", done);
      response.off("close", done);
      resolve();
    };
    response.on("drain", done);
    response.on("close", done);
  });
}
