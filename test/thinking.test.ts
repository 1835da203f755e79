/**
 * Extended thinking through `/v1/messages`, with the official @anthropic-ai/sdk against a real `parley serve` and a fake
 * upstream in Anthropic's format: the request's `thinking` reaches Anthropic's models, their signed thinking blocks
 * come back before the answer (streamed and not), go back to the model with the tool call they came with, and a
 * model that cannot think is refused by name.
 */
import Anthropic from "@anthropic-ai/sdk";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type FaultUpstream,
  REDACTED_THINKING_DATA,
  THINKING_PIECES,
  THINKING_SIGNATURE,
  TOOL_PREAMBLE,
} from "./support/fault-upstream.js";
import { anthropicProvider, faultModel, openAIProvider } from "./support/remote-config.js";
import { startRemoteParley } from "./support/remote-parley.js";

let upstream: FaultUpstream;
let anthropic: Anthropic;

beforeAll(async () => {
  const served = await startRemoteParley((upstream) => ({
    providers: [
      anthropicProvider("anthropic", upstream, [
        faultModel("claude", "ok@think-claude"),
        faultModel("claude-tools", "tools@think-claude"),
        faultModel("claude-redacting", "thinking-redacted@think-claude"),
      ]),
      openAIProvider("openai", upstream, [faultModel("gpt", "ok@think-gpt")]),
    ],
  }));
  upstream = served.upstream;
  anthropic = new Anthropic({ baseURL: served.parley.url, apiKey: "unused", maxRetries: 0 });
  return served.stop;
});

const thinking = { type: "enabled" as const, budget_tokens: 2048 };
const thinkingBlock = { type: "thinking", thinking: THINKING_PIECES.join(""), signature: THINKING_SIGNATURE };
const weather: Anthropic.Tool = {
  name: "get_weather",
  input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

describe("extended thinking on /v1/messages", () => {
  it("passes thinking on to an Anthropic model, and gives its signed thinking block before the answer, streamed and not", async () => {
    const request = {
      model: "claude",
      max_tokens: 4096,
      thinking,
      messages: [{ role: "user" as const, content: "Think before you answer" }],
    };
    const streamed = await anthropic.messages.stream(request).finalMessage();
    const answer = { type: "text", text: upstream.replyText("ok@think-claude") };
    expect(streamed.content).toMatchObject([thinkingBlock, answer]);
    expect(streamed.stop_reason).toBe("end_turn");
    expect(upstream.requestsFor("ok@think-claude").at(-1)?.body.thinking).toEqual(thinking);

    const whole = await anthropic.messages.create(request);
    expect(whole.content).toEqual([thinkingBlock, answer]);
    // Adaptive thinking goes on as it is too.
    await anthropic.messages.create({ ...request, thinking: { type: "adaptive" } });
    expect(upstream.requestsFor("ok@think-claude").at(-1)?.body.thinking).toEqual({ type: "adaptive" });
  });

  it("sends the thinking blocks back with the tool call they came with, as the API requires, and answers the result", async () => {
    const question = { role: "user" as const, content: "Weather in Oslo? Think first." };
    const first = await anthropic.messages.create({
      model: "claude-tools",
      max_tokens: 4096,
      thinking,
      tools: [weather],
      messages: [question],
    });
    expect(first.content.map((block) => block.type)).toEqual(["thinking", "text", "tool_use"]);
    expect(first.content[0]).toEqual(thinkingBlock);
    expect(first.content[1]).toMatchObject({ text: TOOL_PREAMBLE });
    const call = first.content[2] as Anthropic.ToolUseBlock;

    const second = await anthropic.messages
      .stream({
        model: "claude-tools",
        max_tokens: 4096,
        thinking,
        tools: [weather],
        messages: [
          question,
          { role: "assistant", content: first.content },
          {
            role: "user",
            content: [{ type: "tool_result", tool_use_id: call.id, content: "-3°C and snow" }],
          },
        ],
      })
      .finalMessage();
    expect(second.content.at(-1)).toMatchObject({ type: "text", text: "The tool said: -3°C and snow" });
    // The thinking went back first in the assistant's turn, signature and all.
    const sent = upstream.requestsFor("tools@think-claude").at(-1)?.body.messages as {
      role: string;
      content: { type: string }[];
    }[];
    expect(sent[1]?.role).toBe("assistant");
    expect(sent[1]?.content.map((block) => block.type)).toEqual(["thinking", "text", "tool_use"]);
    expect(sent[1]?.content[0]).toEqual(thinkingBlock);
  });

  it("gives a block the model's API redacted as it came, and sends it back as it was", async () => {
    const question = { role: "user" as const, content: "Think about something sensitive" };
    const request = { model: "claude-redacting", max_tokens: 4096, thinking, messages: [question] };
    const redacted = { type: "redacted_thinking", data: REDACTED_THINKING_DATA };
    const streamed = await anthropic.messages.stream(request).finalMessage();
    expect(streamed.content.slice(0, 2)).toEqual([redacted, thinkingBlock]);
    const whole = await anthropic.messages.create(request);
    expect(whole.content.slice(0, 2)).toEqual([redacted, thinkingBlock]);

    await anthropic.messages.create({
      ...request,
      messages: [
        question,
        { role: "assistant", content: whole.content },
        { role: "user", content: "And then?" },
      ],
    });
    const sent = upstream.requestsFor("thinking-redacted@think-claude").at(-1)?.body.messages as {
      content: unknown[];
    }[];
    expect(sent[1]?.content.slice(0, 2)).toEqual([redacted, thinkingBlock]);
  });

  it("refuses thinking of a model that cannot think, naming those that can, and sends nothing", async () => {
    const before = upstream.requests.length;
    const refused = await anthropic.messages
      .create({ model: "gpt", max_tokens: 4096, thinking, messages: [{ role: "user", content: "Think" }] })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Anthropic.BadRequestError);
    const { error } = (refused as InstanceType<typeof Anthropic.APIError>).error as {
      error: { message: string };
    };
    expect(error.message).toMatch(
      /"gpt" cannot think before it answers.*Models that can: "claude", "claude-tools"/,
    );
    expect(upstream.requests.length).toBe(before);

    // `auto` chooses among the models that think.
    await anthropic.messages.create({
      model: "auto",
      max_tokens: 4096,
      thinking,
      messages: [{ role: "user", content: "Think, whoever you are" }],
    });
    expect(upstream.requests.at(-1)?.api).toBe("anthropic");
  });

  it("gives no thinking to a client that does not ask, nor to one that turns it off", async () => {
    for (const asked of [{}, { thinking: { type: "disabled" as const } }]) {
      const message = await anthropic.messages.create({
        model: "claude",
        max_tokens: 100,
        messages: [{ role: "user", content: "Answer at once" }],
        ...asked,
      });
      expect(message.content.map((block) => block.type)).toEqual(["text"]);
      expect(upstream.requestsFor("ok@think-claude").at(-1)?.body.thinking).toBeUndefined();
    }
  });
});
