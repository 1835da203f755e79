import { beforeAll, describe, expect, it } from "vitest";
import {
  JPEG_3X2,
  pngHeaderClaiming,
  samplePng,
  WEBP_LOSSLESS_3X2,
} from "../src/files/test-support/sample-images.js";
import { type Problem, sendMessage } from "./support/ask-parley.js";
import type { FaultUpstream } from "./support/fault-upstream.js";
import { createConversation, type ParleyProcess } from "./support/parley-process.js";
import { anthropicProvider, faultModel, openAIProvider, VISION } from "./support/remote-config.js";
import { startRemoteParley } from "./support/remote-parley.js";
import { ALPHABET, openStream, textOf } from "./support/sse-client.js";
import { type UploadedFile, uploadFile, uploadImage } from "./support/upload-file.js";

// Images end to end: upload, attach to a message, routing to a model that sees, and the wire formats upstream.
let upstream: FaultUpstream;
let parley: ParleyProcess;

beforeAll(async () => {
  const served = await startRemoteParley(
    (upstream) => ({
      engine: { threads: 1, sequences: 2, contextSize: 2048 },
      runs: { maxOutputTokens: 256 },
      // The local model reads text only, and costs nothing: `auto` sends it whatever has no image.
      models: [{ id: "tiny", file: "./tiny.gguf", tier: "fast" }],
      providers: [
        openAIProvider("openai-like", upstream, [
          faultModel("vision-gpt", "ok@vision-gpt", { ...VISION, pricing: { input: 2, output: 8 } }),
          faultModel("text-gpt", "ok@text-gpt", { pricing: { input: 0.5, output: 1 } }),
        ]),
        anthropicProvider("claude-like", upstream, [
          faultModel("vision-claude", "ok@vision-claude", { ...VISION, pricing: { input: 3, output: 15 } }),
        ]),
      ],
    }),
    { tinyModel: true },
  );
  ({ parley, upstream } = served);
  return served.stop;
});

type StoredConversation = {
  messages: {
    id: string;
    role: string;
    content: string;
    model: string | null;
    attachments: UploadedFile[];
  }[];
};

/** The last user message the upstream got for `model`, in its wire format. */
function lastUserMessage(model: string): { role: string; content: unknown } {
  const messages = upstream.requestsFor(model).at(-1)?.body.messages as { role: string; content: unknown }[];
  return messages.filter((message) => message.role === "user").at(-1) as { role: string; content: unknown };
}

const PNG = samplePng(4, 3);
const dataUrl = (bytes: Uint8Array, type: string) =>
  `data:${type};base64,${Buffer.from(bytes).toString("base64")}`;

describe("uploading images", () => {
  it("stores an image and hands back the same bytes, with its type and size", async () => {
    const response = await uploadFile(parley, PNG, { name: "swatch.png", type: "image/png" });
    expect(response.status).toBe(201);
    const file = (await response.json()) as UploadedFile;
    expect(file).toEqual({
      id: expect.stringMatching(/^file_/),
      name: "swatch.png",
      mediaType: "image/png",
      bytes: PNG.length,
      width: 4,
      height: 3,
    });
    const read = await parley.api(`/api/files/${file.id}`);
    expect(read.status).toBe(200);
    expect(read.headers.get("content-type")).toBe("image/png");
    expect(read.headers.get("x-content-type-options")).toBe("nosniff");
    expect(Buffer.from(await read.arrayBuffer())).toEqual(PNG);
  });

  it("judges the type by the bytes, not by the name or the declared type", async () => {
    const file = await uploadImage(parley, JPEG_3X2, { name: "not-really.png", type: "image/png" });
    expect(file).toMatchObject({ mediaType: "image/jpeg", width: 3, height: 2, name: "not-really.png" });
    expect((await parley.api(`/api/files/${file.id}`)).headers.get("content-type")).toBe("image/jpeg");
    const webp = await uploadImage(parley, WEBP_LOSSLESS_3X2, {
      name: "x",
      type: "application/octet-stream",
    });
    expect(webp.mediaType).toBe("image/webp");
  });

  it("refuses a file that is not an image with 415 naming the types it takes, whatever it claims to be", async () => {
    const response = await uploadFile(parley, Buffer.from("<svg onload=alert(1)></svg>"), {
      name: "cat.png",
      type: "image/png",
    });
    expect(response.status).toBe(415);
    const { error } = (await response.json()) as Problem;
    expect(error.code).toBe("unsupported_media_type");
    expect(error.message).toMatch(/only PNG, JPEG, GIF or WebP images.*sent as "image\/png"/);
  });

  it("refuses a file over 5 MB with 413", async () => {
    const big = Buffer.concat([PNG, Buffer.alloc(5 * 1024 * 1024)]);
    const response = await uploadFile(parley, big, { name: "huge.png", type: "image/png" });
    expect(response.status).toBe(413);
    const { error } = (await response.json()) as Problem;
    expect(error).toMatchObject({ code: "file_too_large" });
    expect(error.message).toMatch(/at most 5 MB|\(5 MB\)/);
  });

  it("refuses a small file whose header claims a gigantic picture (a decompression bomb)", async () => {
    const response = await uploadFile(parley, pngHeaderClaiming(60_000, 60_000), { name: "bomb.png" });
    expect(response.status).toBe(400);
    expect(((await response.json()) as Problem).error.message).toMatch(
      /60000x60000 pixels; images may be at most 8000 pixels on a side/,
    );
  });

  it("refuses a broken image, a form without a file and a body that is not a form, each saying what to send", async () => {
    const cut = await uploadFile(parley, PNG.subarray(0, 20), { name: "cut.png" });
    expect(cut.status).toBe(400);
    expect(((await cut.json()) as Problem).error.message).toMatch(/starts like a PNG image, but its header/);

    const form = new FormData();
    form.append("note", "no file here");
    const empty = await parley.api("/api/files", { method: "POST", body: form });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as Problem).error.code).toBe("missing_file");

    const json = await parley.api("/api/files", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ file: "iVBOR..." }),
    });
    expect(json.status).toBe(415);
    expect(((await json.json()) as Problem).error.message).toMatch(/multipart\/form-data/);
  });

  it("refuses two files in one upload, and a multipart body cut short, with 400", async () => {
    const form = new FormData();
    form.append("file", new Blob([Uint8Array.from(PNG)], { type: "image/png" }), "one.png");
    form.append("other", new Blob([Uint8Array.from(PNG)], { type: "image/png" }), "two.png");
    const two = await parley.api("/api/files", { method: "POST", body: form });
    expect(two.status).toBe(400);
    expect(((await two.json()) as Problem).error.message).toBe("Send one file per upload.");

    const cut = await parley.api("/api/files", {
      method: "POST",
      headers: { "content-type": "multipart/form-data; boundary=xyz" },
      body: `--xyz\r\ncontent-disposition: form-data; name="file"; filename="a.png"\r\ncontent-type: image/png\r\n\r\n${PNG.subarray(0, 10).toString("latin1")}`,
    });
    expect(cut.status).toBe(400);
    expect(((await cut.json()) as Problem).error.code).toBe("invalid_multipart");
  });

  it("answers 404 for a file that does not exist", async () => {
    const response = await parley.api("/api/files/file_nonexistent");
    expect(response.status).toBe(404);
    expect(((await response.json()) as Problem).error.code).toBe("not_found");
  });
});

describe("messages with images", () => {
  it("sends the image to the model asked for as an OpenAI image_url data URL, and stores the attachment", async () => {
    const file = await uploadImage(parley, PNG, { name: "swatch.png", type: "image/png" });
    const { conversationId, status, events } = await sendMessage(parley, {
      content: "What colour is this?",
      attachments: [file.id],
      model: "vision-gpt",
    });
    expect(status).toBe(200);
    expect(textOf(events)).toBe("Hello from ok@vision-gpt.");
    expect(lastUserMessage("ok@vision-gpt").content).toEqual([
      { type: "image_url", image_url: { url: dataUrl(PNG, "image/png") } },
      { type: "text", text: "What colour is this?" },
    ]);

    const stored = await parley.json<StoredConversation>(`/api/conversations/${conversationId}`);
    const user = stored.messages.find((message) => message.role === "user");
    expect(user?.attachments).toEqual([file]);
    expect(stored.messages.find((message) => message.role === "assistant")?.attachments).toEqual([]);
  });

  it("sends the image to an Anthropic model as a base64 image block", async () => {
    const file = await uploadImage(parley, JPEG_3X2, { name: "photo.jpg" });
    const { events } = await sendMessage(parley, {
      content: "Describe it.",
      attachments: [file.id],
      model: "vision-claude",
    });
    expect(textOf(events)).toBe("Hello from ok@vision-claude.");
    const request = upstream.requestsFor("ok@vision-claude").at(-1);
    expect(request?.api).toBe("anthropic");
    expect(lastUserMessage("ok@vision-claude").content).toEqual([
      {
        type: "image",
        source: { type: "base64", media_type: "image/jpeg", data: JPEG_3X2.toString("base64") },
      },
      { type: "text", text: "Describe it." },
    ]);
  });

  it("takes a message that is only an image, titled by the file's name", async () => {
    const file = await uploadImage(parley, PNG, { name: "just-look.png" });
    const { conversationId, status } = await sendMessage(parley, {
      content: "",
      attachments: [file.id],
      model: "vision-gpt",
    });
    expect(status).toBe(200);
    expect(lastUserMessage("ok@vision-gpt").content).toEqual([
      { type: "image_url", image_url: { url: dataUrl(PNG, "image/png") } },
    ]);
    const { title } = await parley.json<{ title: string }>(`/api/conversations/${conversationId}`);
    expect(title).toBe("just-look.png");
  });

  it("sends the conversation's earlier images again with the next turn and when a reply is regenerated", async () => {
    const file = await uploadImage(parley, PNG, { name: "swatch.png" });
    const first = await sendMessage(parley, {
      content: "Look.",
      attachments: [file.id],
      model: "vision-claude",
    });
    const { conversationId } = first;
    await sendMessage(parley, { content: "And now?", model: "vision-claude" }, { conversationId });
    const messages = upstream.requestsFor("ok@vision-claude").at(-1)?.body.messages as { content: unknown }[];
    expect(messages[0]?.content).toEqual([
      { type: "image", source: { type: "base64", media_type: "image/png", data: PNG.toString("base64") } },
      { type: "text", text: "Look." },
    ]);
    // The conversation is under way: its last turn ends where Anthropic's prompt cache is asked to keep it.
    expect(messages.at(-1)?.content).toEqual([
      { type: "text", text: "And now?", cache_control: { type: "ephemeral" } },
    ]);

    const assistantMessageId = first.events[0]?.data.assistantMessageId as string;
    const regenerated = await openStream(
      `${parley.url}/api/conversations/${conversationId}/messages/${assistantMessageId}/regenerate`,
      { method: "POST", body: "{}" },
    );
    expect(textOf(await regenerated.events())).toBe("Hello from ok@vision-claude.");
    expect(lastUserMessage("ok@vision-claude").content).toEqual(messages[0]?.content);
  });

  it("refuses unknown file ids and a message with neither text nor attachments, storing nothing", async () => {
    const unknown = await sendMessage(parley, {
      content: "See this",
      attachments: ["file_nope"],
      model: "vision-gpt",
    });
    const { conversationId } = unknown;
    expect(unknown.status).toBe(400);
    expect(unknown.problem?.error).toMatchObject({ code: "invalid_attachment" });
    expect(unknown.problem?.error.message).toMatch(
      /`attachments\[0\]`: file "file_nope" was not found.*POST \/api\/files/,
    );

    const empty = await sendMessage(parley, { content: "  ", attachments: [] }, { conversationId });
    expect(empty.status).toBe(400);
    expect(empty.problem?.error.message).toMatch(/`content`: must not be empty/);
    const stored = await parley.json<StoredConversation>(`/api/conversations/${conversationId}`);
    expect(stored.messages).toEqual([]);
  });
});

describe("routing images to models that see", () => {
  it("auto sends an image to the cheapest image-reading model, and text to the cheaper text model", async () => {
    const file = await uploadImage(parley, PNG);
    const withImage = await sendMessage(parley, {
      content: "What is this?",
      attachments: [file.id],
      model: "auto",
    });
    expect(withImage.events[0]).toMatchObject({
      event: "run.start",
      data: {
        model: "vision-gpt",
        routing: { requested: "auto", reason: expect.stringMatching(/cheapest image-reading model/) },
      },
    });
    expect(textOf(withImage.events)).toBe("Hello from ok@vision-gpt.");

    const textOnly = await sendMessage(parley, { content: "What is this?", model: "auto" });
    expect(textOnly.events[0]).toMatchObject({ data: { model: "tiny", routing: { requested: "auto" } } });
    expect(textOf(textOnly.events)).toBe(ALPHABET);
  });

  it("chooses an image-reading model when an image comes with no model named", async () => {
    const file = await uploadImage(parley, PNG);
    const { events } = await sendMessage(parley, { content: "Hm?", attachments: [file.id] });
    expect(events[0]).toMatchObject({ data: { model: "vision-gpt" } });
  });

  it("refuses an image for a model that cannot see, saying which models can, before sending or storing anything", async () => {
    const file = await uploadImage(parley, PNG);
    const conversationId = await createConversation(parley);
    const before = upstream.requests.length;
    for (const model of ["tiny", "text-gpt"]) {
      const { status, problem } = await sendMessage(
        parley,
        { content: "Read this", attachments: [file.id], model },
        { conversationId },
      );
      expect(status).toBe(400);
      expect(problem?.error.code).toBe("model_cannot_see_images");
      expect(problem?.error.message).toBe(
        `Model "${model}" cannot see images, and this message has some. Models that can: "vision-gpt", "vision-claude"; or send "model": "auto" to let Parley choose one.`,
      );
    }
    expect(upstream.requests.length).toBe(before);
    expect((await parley.json<StoredConversation>(`/api/conversations/${conversationId}`)).messages).toEqual(
      [],
    );
  });

  it("lets a text-only model continue a conversation with images, telling it an image was there", async () => {
    const file = await uploadImage(parley, PNG);
    const { conversationId } = await sendMessage(parley, {
      content: "Look.",
      attachments: [file.id],
      model: "vision-gpt",
    });
    const { status, events } = await sendMessage(
      parley,
      { content: "Thanks, now a joke.", model: "text-gpt" },
      { conversationId },
    );
    expect(status).toBe(200);
    expect(textOf(events)).toBe("Hello from ok@text-gpt.");
    const messages = upstream.requestsFor("ok@text-gpt").at(-1)?.body.messages as { content: unknown }[];
    expect(messages[0]?.content).toBe("Look.\n\n[An image was attached here, which this model cannot see.]");
    expect(JSON.stringify(messages)).not.toContain("image_url");
  });
});
