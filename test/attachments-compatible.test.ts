import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { JPEG_3X2, samplePng } from "../src/files/test-support/sample-images.js";
import type { FaultUpstream } from "./support/fault-upstream.js";
import type { ParleyProcess } from "./support/parley-process.js";
import { anthropicProvider, faultModel, openAIProvider, VISION } from "./support/remote-config.js";
import { startRemoteParley } from "./support/remote-parley.js";
import type { UploadedFile } from "./support/upload-file.js";

// Images sent inline on the OpenAI and Anthropic compatible APIs, through the official clients, reach the model.
let upstream: FaultUpstream;
let parley: ParleyProcess;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  const served = await startRemoteParley((upstream) => ({
    providers: [
      openAIProvider("openai-like", upstream, [
        faultModel("text-gpt", "ok@text-gpt", { pricing: { input: 0.5, output: 1 } }),
        faultModel("vision-gpt", "ok@vision-gpt", { ...VISION, pricing: { input: 2, output: 8 } }),
      ]),
      anthropicProvider("claude-like", upstream, [
        faultModel("vision-claude", "ok@vision-claude", { ...VISION, pricing: { input: 3, output: 15 } }),
      ]),
    ],
  }));
  ({ parley, upstream } = served);
  openai = new OpenAI({ baseURL: `${parley.url}/v1`, apiKey: "unused", maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: parley.url, apiKey: "unused", maxRetries: 0 });
  return served.stop;
});

const PNG = samplePng(4, 3);
const PNG_URL = `data:image/png;base64,${PNG.toString("base64")}`;

function lastUserContent(model: string): unknown {
  const messages = upstream.requestsFor(model).at(-1)?.body.messages as { role: string; content: unknown }[];
  return messages.filter((message) => message.role === "user").at(-1)?.content;
}

async function latestConversation() {
  const { conversations } = await parley.json<{ conversations: { id: string }[] }>("/api/conversations");
  return parley.json<{ messages: { role: string; content: string; attachments: UploadedFile[] }[] }>(
    `/api/conversations/${conversations[0]?.id}`,
  );
}

/** The error a request was refused with; a request that succeeds fails the test. */
async function refused(request: Promise<unknown>): Promise<{ status?: number; message: string }> {
  const outcome = await request.then(
    () => undefined,
    (error: unknown) => error as { status?: number; message: string },
  );
  if (outcome === undefined) throw new Error("expected the request to be refused");
  return outcome;
}

describe("images on /v1/chat/completions", () => {
  it("passes image_url data URLs to the model and keeps the image with the stored exchange", async () => {
    const completion = await openai.chat.completions.create({
      model: "vision-gpt",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is in the picture?" },
            { type: "image_url", image_url: { url: PNG_URL, detail: "high" } },
          ],
        },
      ],
    });
    expect(completion.choices[0]?.message.content).toBe("Hello from ok@vision-gpt.");
    expect(lastUserContent("ok@vision-gpt")).toEqual([
      { type: "image_url", image_url: { url: PNG_URL } },
      { type: "text", text: "What is in the picture?" },
    ]);

    const stored = await latestConversation();
    const user = stored.messages.find((message) => message.role === "user");
    expect(user?.content).toBe("What is in the picture?");
    expect(user?.attachments).toMatchObject([
      { mediaType: "image/png", width: 4, height: 3, bytes: PNG.length },
    ]);
    const file = await parley.api(`/api/files/${user?.attachments[0]?.id}`);
    expect(Buffer.from(await file.arrayBuffer())).toEqual(PNG);
  });

  it("routes an image sent to auto to the cheapest model that sees", async () => {
    const completion = await openai.chat.completions.create({
      model: "auto",
      messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: PNG_URL } }] }],
    });
    expect(completion.model).toBe("vision-gpt");
  });

  it("refuses an image by web address, a text-only model, and an image in an assistant turn, each with a clear 400", async () => {
    const refusal = (body: OpenAI.ChatCompletionCreateParamsNonStreaming) =>
      refused(openai.chat.completions.create(body));

    const byAddress = await refusal({
      model: "vision-gpt",
      messages: [
        {
          role: "user",
          content: [{ type: "image_url", image_url: { url: "http://169.254.169.254/x.png" } }],
        },
      ],
    });
    expect(byAddress).toBeInstanceOf(OpenAI.BadRequestError);
    expect(byAddress.message).toMatch(/`messages.0.content.0.image_url.url` is a web address.*data URL/);

    const blind = await refusal({
      model: "text-gpt",
      messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: PNG_URL } }] }],
    });
    expect(blind).toBeInstanceOf(OpenAI.BadRequestError);
    expect(blind.message).toMatch(/Model "text-gpt" cannot see images.*"vision-gpt", "vision-claude"/);

    const notAnImage = await refusal({
      model: "vision-gpt",
      messages: [
        {
          role: "user",
          content: [{ type: "image_url", image_url: { url: `data:image/png;base64,${btoa("plain text")}` } }],
        },
      ],
    });
    expect(notAnImage.status).toBe(415);
    expect(notAnImage.message).toMatch(/only PNG, JPEG, GIF or WebP/);

    const inAssistantTurn = await parley.api("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "vision-gpt",
        messages: [
          { role: "assistant", content: [{ type: "image_url", image_url: { url: PNG_URL } }] },
          { role: "user", content: "and?" },
        ],
      }),
    });
    expect(inAssistantTurn.status).toBe(400);
    expect(((await inAssistantTurn.json()) as { error: { message: string } }).error.message).toMatch(
      /`messages.0`: only user messages may carry images/,
    );
  });
});

describe("images on /v1/messages", () => {
  it("passes base64 image blocks to the model, with the type the bytes say rather than the one declared", async () => {
    const message = await anthropic.messages.create({
      model: "vision-claude",
      max_tokens: 64,
      messages: [
        {
          role: "user",
          content: [
            {
              type: "image",
              source: { type: "base64", media_type: "image/png", data: JPEG_3X2.toString("base64") },
            },
            { type: "text", text: "Describe it." },
          ],
        },
      ],
    });
    expect(message.content).toMatchObject([{ type: "text", text: "Hello from ok@vision-claude." }]);
    expect(lastUserContent("ok@vision-claude")).toEqual([
      {
        type: "image",
        source: { type: "base64", media_type: "image/jpeg", data: JPEG_3X2.toString("base64") },
      },
      { type: "text", text: "Describe it." },
    ]);
    const stored = await latestConversation();
    expect(stored.messages.find((turn) => turn.role === "user")?.attachments).toMatchObject([
      { mediaType: "image/jpeg", width: 3, height: 2 },
    ]);
  });

  it("sends an Anthropic image on to an OpenAI-compatible model in that model's own format", async () => {
    await anthropic.messages.create({
      model: "vision-gpt",
      max_tokens: 64,
      messages: [
        {
          role: "user",
          content: [
            {
              type: "image",
              source: { type: "base64", media_type: "image/png", data: PNG.toString("base64") },
            },
          ],
        },
      ],
    });
    expect(lastUserContent("ok@vision-gpt")).toEqual([{ type: "image_url", image_url: { url: PNG_URL } }]);
  });

  it("refuses an image by URL, saying to send it as base64", async () => {
    const error = await refused(
      anthropic.messages.create({
        model: "vision-claude",
        max_tokens: 64,
        messages: [
          {
            role: "user",
            content: [{ type: "image", source: { type: "url", url: "https://example.com/cat.png" } }],
          },
        ],
      }),
    );
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(error.message).toMatch(/`messages.0.content.0.source` is a web address/);
  });
});
