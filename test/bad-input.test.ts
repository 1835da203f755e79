import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createConversation, type ParleyProcess, startParley } from "./support/parley-process.js";
import { ALPHABET, postMessage, textOf } from "./support/sse-client.js";
import { writeTestModels } from "./support/test-models.js";

let parley: ParleyProcess;
let conversationId: string;

beforeAll(async () => {
  parley = await startParley({
    prepare: async (dir) => {
      await writeTestModels(dir, { extraModels: { broken: "./broken.gguf" } });
      // A GGUF cut after its first bytes: loading it would abort llama.cpp, so Parley must refuse it first.
      writeFileSync(path.join(dir, "broken.gguf"), readFileSync(path.join(dir, "tiny.gguf")).subarray(0, 64));
    },
    waitForModels: false,
  });
  return () => parley.stop();
});

beforeAll(async () => {
  await waitForState("tiny", "ready");
  conversationId = await createConversation(parley);
});

async function waitForState(modelId: string, state: string) {
  for (let attempt = 0; attempt < 600; attempt++) {
    const { models } = await parley.json<{ models: { id: string; status: { state: string } }[] }>(
      "/api/models",
    );
    if (models.find((model) => model.id === modelId)?.status.state === state) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${modelId} never reached ${state}`);
}

async function expectError(response: Response, status: number, message: RegExp) {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(body.error.message).toMatch(message);
  return body.error;
}

function postRaw(pathname: string, body: RequestInit["body"], contentType = "application/json") {
  return parley.api(pathname, { method: "POST", headers: { "content-type": contentType }, body });
}

describe("bad input gets a 4xx that says what was wrong, and nothing breaks", () => {
  it("refuses malformed JSON", async () => {
    const error = await expectError(
      await postRaw(`/api/conversations/${conversationId}/messages`, '{"content": "hi"'),
      400,
      /not valid JSON/,
    );
    expect(error.code).toBe("invalid_json");
  });

  it("refuses a body that is not valid UTF-8", async () => {
    const body = Buffer.concat([Buffer.from('{"content": "'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    await expectError(await postRaw(`/api/conversations/${conversationId}/messages`, body), 400, /UTF-8/);
  });

  it("refuses wrong types and empty content, naming the field", async () => {
    await expectError(
      await postRaw(`/api/conversations/${conversationId}/messages`, JSON.stringify({ content: 42 })),
      400,
      /`content`/,
    );
    await expectError(
      await postRaw(`/api/conversations/${conversationId}/messages`, JSON.stringify({ content: "   " })),
      400,
      /`content`: must not be empty/,
    );
    await expectError(await postRaw("/api/conversations", JSON.stringify({ title: ["x"] })), 400, /`title`/);
  });

  it("refuses a body over the limit with 413", async () => {
    const huge = JSON.stringify({ content: "x".repeat(1024 * 1024 + 10) });
    await expectError(
      await postRaw(`/api/conversations/${conversationId}/messages`, huge),
      413,
      /larger than this server accepts/,
    );
  });

  it("refuses a body that is not JSON with 415", async () => {
    await expectError(
      await postRaw(`/api/conversations/${conversationId}/messages`, "content=hi", "text/plain"),
      415,
      /application\/json/,
    );
  });

  it("answers 404 for an unknown conversation, message or run", async () => {
    await expectError(await parley.api("/api/conversations/conv_missing"), 404, /conv_missing/);
    await expectError(
      await postRaw("/api/conversations/conv_missing/messages", JSON.stringify({ content: "hi" })),
      404,
      /Conversation/,
    );
    await expectError(
      await postRaw(`/api/conversations/${conversationId}/messages/msg_missing/regenerate`, "{}"),
      404,
      /msg_missing/,
    );
    await expectError(await parley.api("/api/runs/run_missing"), 404, /run_missing/);
    await expectError(await postRaw("/api/runs/run_missing/stop", "{}"), 404, /run_missing/);
    await expectError(await parley.api("/api/nothing-here"), 404, /No route/);
  });

  it("refuses a parentId from another conversation", async () => {
    const other = await createConversation(parley);
    const events = await (await postMessage(parley, other, { content: "elsewhere" })).events();
    const foreignParent = events[0]?.data.assistantMessageId as string;
    const error = await expectError(
      await postRaw(
        `/api/conversations/${conversationId}/messages`,
        JSON.stringify({ content: "hi", parentId: foreignParent }),
      ),
      400,
      /is not a message of conversation/,
    );
    expect(error.code).toBe("invalid_parent");
    const conversation = await parley.json<{ messages: unknown[] }>(`/api/conversations/${conversationId}`);
    expect(conversation.messages).toEqual([]);
  });

  it("refuses an unknown model, listing the known ones", async () => {
    const error = await expectError(
      await postRaw(
        `/api/conversations/${conversationId}/messages`,
        JSON.stringify({ content: "hi", model: "gpt-9" }),
      ),
      400,
      /Unknown model "gpt-9". Known models: "tiny"/,
    );
    expect(error.code).toBe("unknown_model");
  });

  it("refuses a malformed GGUF before an engine can load it, and says why in /api/models", async () => {
    await waitForState("broken", "failed");
    const { models } = await parley.json<{
      models: { id: string; ready: boolean; status: { state: string; message: string } }[];
    }>("/api/models");
    const broken = models.find((model) => model.id === "broken");
    expect(broken?.ready).toBe(false);
    expect(broken?.status.message).toMatch(/broken\.gguf/);
    await expectError(
      await postRaw(
        `/api/conversations/${conversationId}/messages`,
        JSON.stringify({ content: "hi", model: "broken" }),
      ),
      503,
      /cannot answer now \(failed/,
    );
  });

  it("still serves correct replies after all of that", async () => {
    const events = await (
      await postMessage(parley, conversationId, { content: "still there?", model: "tiny" })
    ).events();
    expect(textOf(events)).toBe(ALPHABET);
    expect(parley.child.exitCode).toBeNull();
  });
});
