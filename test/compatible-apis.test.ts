import Anthropic from "@anthropic-ai/sdk";
import { jsonSchemaOutputFormat } from "@anthropic-ai/sdk/helpers/json-schema";
import OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { type ParleyProcess, startParley } from "./support/parley-process.js";
import { ALPHABET } from "./support/sse-client.js";
import { writeTestModels } from "./support/test-models.js";

let parley: ParleyProcess;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  parley = await startParley({ prepare: (dir) => writeTestModels(dir) });
  openai = new OpenAI({ baseURL: `${parley.url}/v1`, apiKey: "unused", maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: parley.url, apiKey: "unused", maxRetries: 0 });
  return () => parley.stop();
});

const LOOP_TEXT = `${ALPHABET}\n`.repeat(100);

async function latestConversation() {
  const { conversations } = await parley.json<{ conversations: { id: string; title: string }[] }>(
    "/api/conversations",
  );
  const latest = conversations[0] as { id: string; title: string };
  return parley.json<{
    id: string;
    title: string;
    messages: { role: string; content: string; status: string }[];
  }>(`/api/conversations/${latest.id}`);
}

describe("the OpenAI-compatible API, through the official openai client", () => {
  it("answers a non-streamed completion with the alphabet, its finish reason and usage, and stores the exchange", async () => {
    const completion = await openai.chat.completions.create({
      model: "tiny",
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: "Recite the alphabet for the openai client" },
      ],
    });
    expect(completion.object).toBe("chat.completion");
    expect(completion.model).toBe("tiny");
    expect(completion.choices[0]?.message).toMatchObject({ role: "assistant", content: ALPHABET });
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(10);
    expect(completion.usage?.completion_tokens).toBeGreaterThanOrEqual(26);
    expect(completion.usage?.total_tokens).toBe(
      (completion.usage?.prompt_tokens ?? 0) + (completion.usage?.completion_tokens ?? 0),
    );
    const stored = await latestConversation();
    expect(stored.title).toBe("Recite the alphabet for the openai client");
    expect(stored.messages.map((message) => [message.role, message.content])).toEqual([
      ["system", "You are terse."],
      ["user", "Recite the alphabet for the openai client"],
      ["assistant", ALPHABET],
    ]);
  });

  it("streams chunks: role first, deltas joining to the alphabet, a finish chunk, then usage with no choices", async () => {
    const stream = await openai.chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content: "stream it" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe(ALPHABET);
    const finishes = chunks.filter((chunk) => chunk.choices[0]?.finish_reason);
    expect(finishes.map((chunk) => chunk.choices[0]?.finish_reason)).toEqual(["stop"]);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.completion_tokens).toBeGreaterThanOrEqual(26);
  });

  it("works with the client's stream helper and finalChatCompletion()", async () => {
    const runner = openai.chat.completions.stream({
      model: "tiny",
      messages: [{ role: "user", content: "helper" }],
    });
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe(ALPHABET);
    expect(final.choices[0]?.finish_reason).toBe("stop");
  });

  it("honours max_tokens with finish_reason length", async () => {
    const completion = await openai.chat.completions.create({
      model: "tiny-loop",
      messages: [{ role: "user", content: "loop" }],
      max_tokens: 30,
    });
    expect(completion.choices[0]?.finish_reason).toBe("length");
    expect(completion.choices[0]?.message.content).toBe(LOOP_TEXT.slice(0, 30));
  });

  it("stops the run when the client aborts its stream, keeping the partial reply", async () => {
    const controller = new AbortController();
    const stream = await openai.chat.completions.create(
      { model: "tiny-loop", messages: [{ role: "user", content: "abort me" }], stream: true },
      { signal: controller.signal },
    );
    let received = "";
    try {
      for await (const chunk of stream) {
        received += chunk.choices[0]?.delta.content ?? "";
        if (received.length >= 10) controller.abort();
      }
    } catch (error) {
      expect((error as Error).name).toMatch(/Abort/);
    }
    let reply: { status: string; content: string } | undefined;
    for (let attempt = 0; attempt < 100 && reply?.status !== "stopped"; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      reply = (await latestConversation()).messages.find((message) => message.role === "assistant");
    }
    expect(reply?.status).toBe("stopped");
    expect(LOOP_TEXT.startsWith(reply?.content ?? "!")).toBe(true);
    expect(reply?.content.length).toBeLessThan(1000);
  });

  it("keeps nothing when the request says store: false", async () => {
    const before = await parley.json<{ conversations: unknown[] }>("/api/conversations");
    const completion = await openai.chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content: "forget me" }],
      store: false,
    });
    expect(completion.choices[0]?.message.content).toBe(ALPHABET);
    const after = await parley.json<{ conversations: unknown[] }>("/api/conversations");
    expect(after.conversations.length).toBe(before.conversations.length);
  });

  it("lists and retrieves the models, and raises the SDK's own errors for an unknown model and a bad request", async () => {
    const models = await openai.models.list();
    // The catalog, then the built-in bots as `bot:<slug>` models.
    expect(models.data.map((model) => model.id)).toEqual([
      "auto",
      "tiny",
      "tiny-loop",
      "bot:code-tutor",
      "bot:tech-article-translator",
      "bot:topic-explorer",
    ]);
    expect(await openai.models.retrieve("tiny")).toMatchObject({ id: "tiny", object: "model" });
    expect(await openai.models.retrieve("bot:code-tutor")).toMatchObject({
      id: "bot:code-tutor",
      object: "model",
    });
    const unknownModel = await openai.models.retrieve("gpt-9").catch((error: unknown) => error);
    expect(unknownModel).toBeInstanceOf(OpenAI.NotFoundError);
    expect((unknownModel as Error).message).toMatch(/gpt-9/);
    const unknown = await openai.chat.completions
      .create({ model: "gpt-9", messages: [{ role: "user", content: "hi" }] })
      .catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect((unknown as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("unknown_model");
    const bad = await openai.chat.completions
      .create({ model: "tiny", messages: [{ role: "user", content: "hi" }], temperature: 7 })
      .catch((error: unknown) => error);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect((bad as Error).message).toMatch(/temperature/);
  });

  it("refuses by name what asks for another kind of answer (a tool choice without tools, log probabilities), and takes their defaults", async () => {
    const messages = [{ role: "user" as const, content: "hi" }];
    const tool = { type: "function" as const, function: { name: "lookup", parameters: { type: "object" } } };
    const refusals = await Promise.all(
      [
        openai.chat.completions.create({ model: "tiny", messages, tool_choice: "required" }),
        openai.chat.completions.create({ model: "tiny", messages, logprobs: true }),
        openai.chat.completions.create({ model: "tiny", messages, functions: [tool.function] }),
      ].map((request) => request.catch((error: unknown) => error)),
    );
    for (const refusal of refusals) expect(refusal).toBeInstanceOf(OpenAI.BadRequestError);
    expect(refusals.map((refusal) => (refusal as Error).message)).toEqual([
      expect.stringMatching(/`tool_choice`: a tool choice that makes the model call a tool needs `tools`/),
      expect.stringMatching(/`logprobs`: Parley does not return log probabilities/),
      expect.stringMatching(/`functions`: Parley takes tools as `tools` and `tool_choice`/),
    ]);

    // What clients send by default asks for nothing Parley lacks, and is answered.
    const answer = await openai.chat.completions.create({
      model: "tiny",
      messages,
      tools: [],
      tool_choice: "none",
      response_format: { type: "text" },
      logprobs: false,
      presence_penalty: 0,
      frequency_penalty: 0,
    });
    expect(answer.choices[0]?.message.content).toBe(ALPHABET);
  });
});

describe("JSON replies on the OpenAI-compatible API, held to a schema by the local engine's grammar", () => {
  const verdict = {
    type: "json_schema" as const,
    json_schema: {
      name: "verdict",
      strict: true,
      schema: {
        type: "object",
        properties: { answer: { enum: ["yes", "no"] }, sure: { type: "boolean" } },
        required: ["answer", "sure"],
        additionalProperties: false,
      },
    },
  };
  const messages = [{ role: "user" as const, content: "Is it?" }];
  const expectVerdict = (content: string | null | undefined) => {
    const parsed = JSON.parse(content ?? "") as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(["answer", "sure"]);
    expect(["yes", "no"]).toContain(parsed.answer);
    expect(typeof parsed.sure).toBe("boolean");
  };

  it("answers with JSON that follows the schema, streamed or not, and stores it as the reply", async () => {
    // Greedy, so that the streamed reply can be compared with this one (the engine samples at 0.8 by default).
    const answer = await openai.chat.completions.create({
      model: "tiny",
      messages,
      response_format: verdict,
      temperature: 0,
    });
    expectVerdict(answer.choices[0]?.message.content);
    expect(answer.choices[0]?.finish_reason).toBe("stop");
    expect(answer.usage?.completion_tokens).toBeGreaterThan(0);
    expect((await latestConversation()).messages.at(-1)).toMatchObject({
      role: "assistant",
      content: answer.choices[0]?.message.content,
      status: "complete",
    });

    const final = await openai.chat.completions
      .stream({ model: "tiny", messages, response_format: verdict, temperature: 0 })
      .finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe(answer.choices[0]?.message.content);
    expect(final.choices[0]?.finish_reason).toBe("stop");
  });

  it("answers json_object with a JSON object, where the tiny model would otherwise write the alphabet", async () => {
    const answer = await openai.chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content: "Give me an object." }],
      response_format: { type: "json_object" },
      max_tokens: 60,
    });
    const content = answer.choices[0]?.message.content ?? "";
    // Unheld, it would begin with "a"; held to JSON, it begins an object (whose strings may still hold letters).
    expect(content.startsWith("{")).toBe(true);
    if (answer.choices[0]?.finish_reason === "stop") expect(JSON.parse(content)).toBeTypeOf("object");
  });

  it("refuses a schema the engine cannot hold a reply to, naming the keyword, through the SDK's own error", async () => {
    const pattern = {
      type: "json_schema" as const,
      json_schema: {
        name: "code",
        schema: { type: "object", properties: { id: { type: "string", pattern: "^[a-z]+$" } } },
      },
    };
    const refusal = await openai.chat.completions
      .create({ model: "tiny", messages, response_format: pattern })
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refusal as Error).message).toMatch(/'pattern' is not supported/);

    // Streamed, the refusal comes before the stream: the same 400, not a 200 with an error inside.
    const streamed = await openai.chat.completions
      .create({ model: "tiny", messages, stream: true, response_format: pattern })
      .catch((error: unknown) => error);
    expect(streamed).toBeInstanceOf(OpenAI.BadRequestError);
    expect((streamed as Error).message).toMatch(/'pattern' is not supported/);
  });

  it("answers an Anthropic client's output_config.format with JSON that follows the schema: messages.parse, streamed or not, and the beta's output_format", async () => {
    const format = jsonSchemaOutputFormat(verdict.json_schema.schema as { type: "object" });
    const request = { model: "tiny", max_tokens: 60, temperature: 0, messages };
    const parsed = await anthropic.messages.parse({ ...request, output_config: { format } });
    expect(parsed.stop_reason).toBe("end_turn");
    expect(parsed.content).toHaveLength(1);
    const text = (parsed.content[0] as { text: string }).text;
    expectVerdict(text);
    expect(parsed.parsed_output).toEqual(JSON.parse(text));

    const streamed = await anthropic.messages
      .stream({ ...request, output_config: { format: { type: "json_schema", schema: format.schema } } })
      .finalMessage();
    expect(streamed.content).toEqual([{ type: "text", text }]);
    // The structured-outputs beta named it output_format; its clients are answered alike.
    const beta = await anthropic.beta.messages.create({
      ...request,
      output_format: { type: "json_schema", schema: format.schema },
    });
    expect(beta.content).toMatchObject([{ type: "text", text }]);
  });
});

describe("the Anthropic-compatible API, through the official @anthropic-ai/sdk client", () => {
  it("answers a non-streamed message with the alphabet, end_turn and usage", async () => {
    const message = await anthropic.messages.create({
      model: "tiny",
      max_tokens: 100,
      system: "You are terse.",
      messages: [{ role: "user", content: "Recite it, Claude-style" }],
    });
    expect(message).toMatchObject({
      type: "message",
      role: "assistant",
      model: "tiny",
      stop_reason: "end_turn",
    });
    expect(message.content).toEqual([{ type: "text", text: ALPHABET }]);
    // Anthropic's input_tokens leaves out what the engine reused from an earlier prompt (cache_read_input_tokens).
    expect(message.usage.input_tokens + (message.usage.cache_read_input_tokens ?? 0)).toBeGreaterThan(10);
    expect(message.usage.output_tokens).toBeGreaterThanOrEqual(26);
  });

  it("streams the documented event sequence and MessageStream.finalMessage() assembles it", async () => {
    const stream = await anthropic.messages.create({
      model: "tiny",
      max_tokens: 100,
      messages: [{ role: "user", content: "stream" }],
      stream: true,
    });
    const types: string[] = [];
    let text = "";
    let startUsage: Anthropic.Usage | undefined;
    for await (const event of stream) {
      if (event.type === "message_start") startUsage = event.message.usage;
      if (types.at(-1) !== event.type) types.push(event.type);
      if (event.type === "content_block_delta" && event.delta.type === "text_delta") text += event.delta.text;
    }
    expect(types).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(text).toBe(ALPHABET);
    // The prompt's size comes at the start, as Anthropic's API gives it, before any of the reply.
    const counted = await anthropic.messages.countTokens({
      model: "tiny",
      messages: [{ role: "user", content: "stream" }],
    });
    expect(startUsage).toMatchObject({ input_tokens: counted.input_tokens, output_tokens: 0 });

    const final = await anthropic.messages
      .stream({ model: "tiny", max_tokens: 100, messages: [{ role: "user", content: "final" }] })
      .finalMessage();
    expect(final.content).toMatchObject([{ type: "text", text: ALPHABET }]);
    expect(final.stop_reason).toBe("end_turn");
    expect(final.usage.output_tokens).toBeGreaterThanOrEqual(26);
  });

  it("counts a prompt's tokens as the model then charges them, and refuses an unknown model or no messages", async () => {
    const prompt = {
      model: "tiny",
      system: "You are terse.",
      messages: [{ role: "user" as const, content: "Recite it, Claude-style" }],
    };
    const counted = await anthropic.messages.countTokens(prompt);
    const message = await anthropic.messages.create({ ...prompt, max_tokens: 30 });
    // count_tokens counts the whole prompt, as Anthropic's does: the message's input_tokens plus what the engine
    // reused from an earlier reply's prompt (cache_read_input_tokens).
    const { input_tokens, cache_read_input_tokens } = message.usage;
    expect(counted.input_tokens).toBe(input_tokens + (cache_read_input_tokens ?? 0));
    const longer = await anthropic.messages.countTokens({ ...prompt, system: "You are terse. ".repeat(20) });
    expect(longer.input_tokens).toBeGreaterThan(counted.input_tokens + 40);

    const unknown = await anthropic.messages
      .countTokens({ ...prompt, model: "claude-9" })
      .catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(Anthropic.NotFoundError);
    const empty = await anthropic.messages
      .countTokens({ ...prompt, messages: [] })
      .catch((error: unknown) => error);
    expect(empty).toBeInstanceOf(Anthropic.BadRequestError);
    expect((empty as Error).message).toMatch(/messages/);
  });

  it("stops at max_tokens with stop_reason max_tokens", async () => {
    const message = await anthropic.messages.create({
      model: "tiny-loop",
      max_tokens: 40,
      messages: [{ role: "user", content: "loop" }],
    });
    expect(message.stop_reason).toBe("max_tokens");
    expect(message.content[0]).toMatchObject({ type: "text", text: LOOP_TEXT.slice(0, 40) });
  });

  it("raises the SDK's own errors for an unknown model and a missing max_tokens, and lists and retrieves models", async () => {
    const unknown = await anthropic.messages
      .create({ model: "claude-9", max_tokens: 10, messages: [{ role: "user", content: "hi" }] })
      .catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(Anthropic.NotFoundError);
    const bad = await anthropic.messages
      .create({ model: "tiny", messages: [{ role: "user", content: "hi" }] } as never)
      .catch((error: unknown) => error);
    expect(bad).toBeInstanceOf(Anthropic.BadRequestError);
    expect((bad as Error).message).toMatch(/max_tokens/);
    expect(await anthropic.models.retrieve("tiny-loop")).toMatchObject({ type: "model", id: "tiny-loop" });
    const unknownModel = await anthropic.models.retrieve("claude-9").catch((error: unknown) => error);
    expect(unknownModel).toBeInstanceOf(Anthropic.NotFoundError);
    const models = await anthropic.models.list();
    // The catalog, then the built-in bots as `bot:<slug>` models.
    expect(models.data.map((model) => model.id)).toEqual([
      "auto",
      "tiny",
      "tiny-loop",
      "bot:code-tutor",
      "bot:tech-article-translator",
      "bot:topic-explorer",
    ]);
  });
});
