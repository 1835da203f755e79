// An exchange with tools made through the OpenAI-compatible API of a real Parley (its model a remote fake that calls
// tools, in OpenAI's wire format), then opened in the chat page: the call under the reply that made it, the tool's
// result as a block named after the tool, and the answer after it. Nothing of Parley's own is stood in for.
import OpenAI from "openai";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOOL_CALL_ARGUMENTS, TOOL_PREAMBLE } from "../support/fault-upstream.js";
import type { ParleyProcess } from "../support/parley-process.js";
import { faultModel, openAIProvider } from "../support/remote-config.js";
import { type RemoteParley, startRemoteParley } from "../support/remote-parley.js";
import {
  ensureWebAppBuilt,
  launchChromium,
  newChatPage,
  useBrowserTestTimeouts,
} from "./browser-test-support.js";

let served: RemoteParley;
let parley: ParleyProcess;
let browser: Browser;

useBrowserTestTimeouts();

beforeAll(async () => {
  ensureWebAppBuilt();
  [served, browser] = await Promise.all([
    startRemoteParley((upstream) => ({
      providers: [openAIProvider("openai", upstream, [faultModel("agent-model", "tools@web")])],
    })),
    launchChromium(),
  ]);
  parley = served.parley;
});

afterAll(async () => {
  await browser?.close();
  await served?.stop();
});

describe("an exchange with tools stored by the API, in the web app", () => {
  it("shows the call under the reply that made it, the result named after its tool, and the answer from it", async () => {
    const openai = new OpenAI({ baseURL: `${parley.url}/v1`, apiKey: "unused", maxRetries: 0 });
    const tools: OpenAI.Chat.ChatCompletionTool[] = [
      { type: "function", function: { name: "get_weather", parameters: { type: "object" } } },
    ];
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
      { role: "user", content: "Weather in Paris?" },
    ];
    const first = await openai.chat.completions.create({ model: "agent-model", messages, tools });
    const reply = first.choices[0]?.message as OpenAI.Chat.ChatCompletionMessage;
    const call = reply.tool_calls?.[0] as OpenAI.Chat.ChatCompletionMessageFunctionToolCall;
    messages.push(reply, { role: "tool", tool_call_id: call.id, content: "18 degrees, sunny" });
    await openai.chat.completions.create({ model: "agent-model", messages, tools });

    const { conversations } = await parley.json<{ conversations: { id: string; title: string }[] }>(
      "/api/conversations",
    );
    const id = conversations.find((conversation) => conversation.title === "Weather in Paris?")?.id;
    const { context, page, errors } = await newChatPage(browser, parley.url);
    await page.goto(`/c/${id}`);
    const toolCall = page.locator(".assistant-message .tool-call").first();
    await toolCall.waitFor();
    expect(await page.locator(".assistant-message .markdown").first().textContent()).toContain(TOOL_PREAMBLE);
    expect(await toolCall.locator(".tool-name").textContent()).toBe("get_weather");
    expect(await toolCall.locator(".tool-preview").textContent()).toBe(TOOL_CALL_ARGUMENTS);
    const result = page.getByRole("region", { name: "Result of get_weather" });
    expect(await result.locator(".tool-body").textContent()).toBe("18 degrees, sunny");
    expect(await page.locator(".user-bubble").count()).toBe(1);
    expect(await page.locator(".assistant-message .markdown").last().textContent()).toContain(
      "The tool said: 18 degrees, sunny",
    );
    expect(errors).toEqual([]);
    await context.close();
  });
});
