// An API client's exchange with tools, as the chat page shows it in a real browser against a real `parley serve`:
// a stored conversation with tool calls and tool results, and a run that calls a tool, followed as it streams. The
// conversation and the run's events come from the test: they hold states no request could make (arguments cut short,
// a result whose call is not in the thread) and a run paused mid-call. tool-calls-stored.test.ts shows a real
// exchange, made through the API, end to end.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ParleyProcess, startParley, temporaryDirectory } from "../support/parley-process.js";
import {
  artifactPath,
  ensureWebAppBuilt,
  lastReply,
  launchChromium,
  newChatPage,
  useBrowserTestTimeouts,
} from "./browser-test-support.js";
import { modelListing } from "./model-listing-fixture.js";

let parley: ParleyProcess;
let browser: Browser;

useBrowserTestTimeouts();

beforeAll(async () => {
  ensureWebAppBuilt();
  // No model is needed: nothing here asks one.
  [parley, browser] = await Promise.all([
    startParley({ dataDir: temporaryDirectory(), waitForModels: false }),
    launchChromium(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await parley?.stop();
});

const MODEL = "remote-agent";

type StoredMessage = {
  id: string;
  parentId: string | null;
  role: "user" | "assistant" | "tool";
  content: string;
  [field: string]: unknown;
};

function stored(
  id: string,
  parentId: string | null,
  role: StoredMessage["role"],
  content: string,
  extra = {},
) {
  return {
    id,
    conversationId: "conv_tools",
    parentId,
    role,
    content,
    status: "complete",
    model: role === "assistant" ? MODEL : null,
    runId: null,
    finishReason: role === "assistant" ? "stop" : null,
    usage: role === "assistant" ? { inputTokens: 120, outputTokens: 24 } : null,
    timings: role === "assistant" ? { ttftMs: 210, tokensPerSecond: 48 } : null,
    error: null,
    createdAt: 1,
    updatedAt: 1,
    ...extra,
  };
}

const LONG_RESULT = Array.from({ length: 20 }, (_, index) => `${index + 1}. Event in Paris today`).join("\n");

/** A question, a reply calling two tools, their results (and one answering a call not in the thread), the answer. */
const EXCHANGE = [
  stored("u1", null, "user", "What should I wear in Paris today?"),
  stored("a1", "u1", "assistant", "Let me check the weather first.", {
    finishReason: "tool_calls",
    toolCalls: [
      { id: "call_1", name: "get_weather", arguments: '{"city":"Paris","unit":"celsius"}' },
      { id: "call_2", name: "search_web", arguments: '{"query": "Paris events today' },
    ],
  }),
  stored("t1", "a1", "tool", '{"temperature":14,"conditions":"light rain"}', { toolCallId: "call_1" }),
  stored("t2", "t1", "tool", LONG_RESULT, { toolCallId: "call_2" }),
  stored("t3", "t2", "tool", "ok", { toolCallId: "call_elsewhere" }),
  stored("a2", "t3", "assistant", "Take an umbrella and a light jacket: **14 °C** with light rain."),
];

/** A real conversation (so the sidebar lists it) whose stored messages the page sees as `messages`. */
async function routeConversation(page: Page, messages: ReturnType<typeof stored>[]): Promise<string> {
  const { id } = await parley.json<{ id: string }>("/api/conversations", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ title: "What to wear in Paris" }),
  });
  await page.route("**/api/models", (route) =>
    route.fulfill({ json: { models: [modelListing(MODEL, { label: "Agent model" })] } }),
  );
  await page.route(`**/api/conversations/${id}`, (route) =>
    route.fulfill({
      json: {
        id,
        title: "What to wear in Paris",
        botId: null,
        createdAt: 0,
        updatedAt: Date.now(),
        messages: messages.map((message) => ({
          ...message,
          children: messages.filter((child) => child.parentId === message.id).map((child) => child.id),
        })),
      },
    }),
  );
  return id;
}

describe("tool calls in the web app", () => {
  it("shows a stored exchange with tools: each call folded to its name and arguments under the reply's text, each result a block named after its tool, folded when long; in Chinese too, and within a phone's width", async () => {
    const { context, page, errors } = await newChatPage(browser, parley.url);
    const id = await routeConversation(page, EXCHANGE);
    await page.goto(`/c/${id}`);
    const caller = page.locator('.assistant-message[data-message-id="a1"]');
    await caller.locator(".tool-call").first().waitFor();
    await page.screenshot({ path: artifactPath("tool-calls.png") });

    // The reply's text, then its calls: folded, one line each.
    expect(await caller.locator(".markdown").textContent()).toContain("Let me check the weather first.");
    const calls = caller.getByRole("list", { name: "Tool calls" }).locator(".tool-call");
    expect(await calls.count()).toBe(2);
    const weather = calls.nth(0);
    expect(await weather.locator(".tool-name").textContent()).toBe("get_weather");
    expect(await weather.locator(".tool-preview").textContent()).toBe('{"city":"Paris","unit":"celsius"}');
    expect(await weather.getAttribute("open")).toBeNull();
    expect(await weather.locator(".tool-body").isVisible()).toBe(false);
    // Opened: the arguments pretty-printed; arguments that are not JSON stay as the model wrote them.
    await weather.locator("summary").click();
    expect(await weather.locator(".tool-body").textContent()).toBe(
      '{\n  "city": "Paris",\n  "unit": "celsius"\n}',
    );
    await calls.nth(1).locator("summary").click();
    expect(await calls.nth(1).locator(".tool-body").textContent()).toBe('{"query": "Paris events today');
    // The reply is not the last in the thread: its tools' results came, nothing is waited for.
    expect(await page.locator(".reply-state.is-tool-calls").count()).toBe(0);

    // Results: not user bubbles, but blocks named after the tool whose call they answer.
    expect(await page.locator(".user-bubble").count()).toBe(1);
    expect(await page.locator(".tool-message").count()).toBe(3);
    const weatherResult = page.getByRole("region", { name: "Result of get_weather" });
    expect(await weatherResult.locator(".tool-body").textContent()).toBe(
      '{\n  "temperature": 14,\n  "conditions": "light rain"\n}',
    );
    const longResult = page.locator('.tool-message[data-message-id="t2"] details.tool-result');
    expect(await longResult.locator(".tool-name").textContent()).toBe("search_web");
    expect(await longResult.locator(".tool-meta").textContent()).toBe("20 lines");
    expect(await longResult.getAttribute("open")).toBeNull();
    await longResult.locator("summary").click();
    expect(await longResult.locator(".tool-body").textContent()).toBe(LONG_RESULT);
    // A result whose call is not in the thread is named by the call's id.
    const orphan = page.getByRole("region", { name: "Result of call call_elsewhere" });
    expect(await orphan.locator(".tool-name").textContent()).toBe("call_elsewhere");
    expect(await lastReply(page).locator(".markdown").textContent()).toContain("Take an umbrella");
    expect(errors).toEqual([]);
    await context.close();

    // The same in Chinese, on a phone: nothing is wider than the screen.
    const zh = await newChatPage(browser, parley.url, {
      locale: "zh-CN",
      viewport: { width: 375, height: 812 },
      isMobile: true,
      hasTouch: true,
    });
    await zh.page.goto(`/c/${await routeConversation(zh.page, EXCHANGE)}`);
    await zh.page.getByRole("region", { name: "get_weather 的结果" }).waitFor();
    expect(await zh.page.locator(".tool-call .tool-kind").first().textContent()).toBe("工具调用");
    expect(await zh.page.locator(".tool-message .tool-meta").textContent()).toBe("20 行");
    await zh.page.locator(".tool-call summary").first().click();
    expect(await zh.page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(375);
    await zh.page.screenshot({ path: artifactPath("tool-calls-phone-zh.png") });
    expect(zh.errors).toEqual([]);
    await zh.context.close();
  });

  it("follows a run that calls a tool as it streams, builds the call from its pieces, and says the reply waits for the tool results", async () => {
    const { context, page, errors } = await newChatPage(browser, parley.url, { colorScheme: "dark" });
    // An agent's run in flight: the page attaches to it and reads its events from the first.
    const id = await routeConversation(page, [
      stored("u1", null, "user", "What is the weather in Paris?"),
      stored("a1", "u1", "assistant", "", {
        status: "streaming",
        runId: "run_tools",
        finishReason: null,
        usage: null,
        timings: null,
      }),
    ]);
    const events: [string, unknown][] = [
      [
        "run.start",
        {
          runId: "run_tools",
          conversationId: id,
          userMessageId: "u1",
          assistantMessageId: "a1",
          model: MODEL,
        },
      ],
      ["text.delta", { text: "Checking the " }],
      ["text.delta", { text: "weather." }],
      ["tool_call.start", { index: 0, id: "call_1", name: "get_weather" }],
      ["tool_call.delta", { index: 0, arguments: '{"ci' }],
      ["tool_call.delta", { index: 0, arguments: 'ty":"Pa' }],
      // An event this page does not know is passed over.
      ["reasoning.delta", { text: "hmm" }],
      ["tool_call.delta", { index: 0, arguments: 'ris"}' }],
      [
        "run.end",
        {
          finishReason: "tool_calls",
          usage: { inputTokens: 80, outputTokens: 18 },
          timings: { ttftMs: 150, tokensPerSecond: 52 },
          model: MODEL,
        },
      ],
    ];
    await page.route("**/api/runs/run_tools/events", (route) =>
      route.fulfill({
        headers: { "content-type": "text/event-stream; charset=utf-8" },
        body: events
          .map(
            ([event, data], index) => `id: ${index + 1}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`,
          )
          .join(""),
      }),
    );
    await page.goto(`/c/${id}`);

    const reply = lastReply(page);
    await expect.poll(() => reply.getAttribute("data-status")).toBe("complete");
    expect(await reply.locator(".markdown").textContent()).toContain("Checking the weather.");
    const call = reply.locator(".tool-call");
    expect(await call.count()).toBe(1);
    expect(await call.locator(".tool-name").textContent()).toBe("get_weather");
    await call.locator("summary").click();
    expect(await call.locator(".tool-body").textContent()).toBe('{\n  "city": "Paris"\n}');
    expect(await reply.getByRole("status").textContent()).toBe("Waiting for the tool results");
    await page.screenshot({ path: artifactPath("tool-calls-waiting-dark.png") });
    expect(errors).toEqual([]);
    await context.close();
  });
});
