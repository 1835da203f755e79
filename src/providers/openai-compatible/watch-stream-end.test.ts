import { describe, expect, it } from "vitest";
import { watchStreamEnd } from "./watch-stream-end.js";

async function readThrough(chunks: string[]) {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
  const { response, end } = watchStreamEnd(
    new Response(body, { headers: { "content-type": "text/event-stream" } }),
  );
  const text = await response.text();
  return { text, sawDone: end.sawDone };
}

describe("watchStreamEnd", () => {
  it("passes the body through unchanged and sees [DONE], even split across chunks", async () => {
    const chunks = ['data: {"choices":[]}\n\n', "data: [DO", "NE]\n\n"];
    expect(await readThrough(chunks)).toEqual({ text: chunks.join(""), sawDone: true });
    expect((await readThrough(["data: {}\r\n\r\ndata:[DONE]\r\n\r\n"])).sawDone).toBe(true);
  });

  it("does not take [DONE] inside a chunk's text, or a stream without it, for the end", async () => {
    expect((await readThrough(['data: {"content":"data: [DONE]"}\n\n'])).sawDone).toBe(false);
    expect((await readThrough(['data: {"choices":[{"finish_reason":"stop"}]}\n\n'])).sawDone).toBe(false);
  });
});
