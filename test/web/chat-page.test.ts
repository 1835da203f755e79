// The chat page in a real browser against a real `parley serve` with the tiny models: sending, reloading,
// stopping, regenerating, editing, sanitizing model output, languages, the empty state, and screenshots.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createConversation,
  type ParleyProcess,
  startParley,
  temporaryDirectory,
} from "../support/parley-process.js";
import {
  ALPHABET,
  artifactPath,
  chooseModel,
  conversationIdOf,
  ensureWebAppBuilt,
  lastReply,
  launchChromium,
  lettersOf,
  newChatPage,
  type StoredMessage,
  sendMessage,
  useBrowserTestTimeouts,
  writeBrowserTestModels,
} from "./browser-test-support.js";

let parley: ParleyProcess;
let browser: Browser;

useBrowserTestTimeouts();

beforeAll(async () => {
  ensureWebAppBuilt();
  const dir = temporaryDirectory();
  await writeBrowserTestModels(dir);
  [parley, browser] = await Promise.all([startParley({ dataDir: dir }), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await parley?.stop();
});

async function storedMessages(conversationId: string): Promise<StoredMessage[]> {
  const conversation = await parley.json<{ messages: StoredMessage[] }>(
    `/api/conversations/${conversationId}`,
  );
  return conversation.messages;
}

async function openChat(options: Parameters<typeof newChatPage>[2] = {}) {
  const opened = await newChatPage(browser, parley.url, options);
  await opened.page.goto("/");
  return opened;
}

describe("the chat page", () => {
  it("sends a message, shows the tiny model's reply with its footer, and shows it again after a reload", async () => {
    const { context, page, errors } = await openChat();
    await expect.poll(() => page.getByRole("button", { name: "New chat" }).count()).toBe(1);
    await chooseModel(page, "tiny");
    await sendMessage(page, "Say the alphabet");

    const reply = lastReply(page);
    await expect.poll(() => reply.getAttribute("data-status")).toBe("complete");
    expect((await reply.locator(".markdown").textContent())?.trim()).toBe(ALPHABET);
    expect(page.url()).toMatch(/\/c\/conv_/);
    const footer = (await reply.locator(".reply-footer > span").allTextContents()).join(" ");
    expect(footer).toMatch(/^tiny Fast 26 tokens Free TTFT [\d,.]+ m?s [\d,.]+ tok\/s$/);

    await page.reload();
    await expect.poll(() => lastReply(page).getAttribute("data-status")).toBe("complete");
    expect((await lastReply(page).locator(".markdown").textContent())?.trim()).toBe(ALPHABET);
    expect(await page.locator(".user-bubble").textContent()).toBe("Say the alphabet");
    // The first message named the conversation in the sidebar.
    await expect
      .poll(() => page.getByRole("link", { name: "Say the alphabet" }).getAttribute("aria-current"))
      .toBe("page");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("stops a reply mid-way, keeping the partial text marked stopped, and regenerates it as a sibling 2 / 2", async () => {
    const { context, page, errors } = await openChat();
    await chooseModel(page, "tiny-loop");
    await sendMessage(page, "Go on forever");
    const reply = lastReply(page);
    await expect.poll(async () => (await reply.textContent())?.length ?? 0).toBeGreaterThan(40);
    await page.getByRole("button", { name: "Stop" }).click();
    await expect.poll(() => reply.getAttribute("data-status")).toBe("stopped");
    await expect.poll(() => reply.getByRole("status").textContent()).toBe("Stopped");

    const conversationId = conversationIdOf(page);
    const stopped = (await storedMessages(conversationId)).find((message) => message.role === "assistant");
    expect(stopped?.status).toBe("stopped");
    expect(stopped?.content.startsWith(ALPHABET)).toBe(true);
    expect(lettersOf(await reply.locator(".markdown").textContent())).toBe(lettersOf(stopped?.content ?? ""));
    expect(stopped?.content.length).toBeLessThan(4000);

    // Regenerate, and this time stop with Esc.
    await reply.hover();
    await page.getByRole("button", { name: "Regenerate" }).click();
    const second = lastReply(page);
    await expect.poll(() => second.locator(".branch-position").textContent()).toBe("2 / 2");
    await expect.poll(async () => (await second.textContent())?.length ?? 0).toBeGreaterThan(40);
    await page.keyboard.press("Escape");
    await expect.poll(() => second.getAttribute("data-status")).toBe("stopped");
    expect(await page.getByRole("button", { name: "Send" }).count()).toBe(1);

    const replies = (await storedMessages(conversationId)).filter((message) => message.role === "assistant");
    expect(replies.map((message) => message.status)).toEqual(["stopped", "stopped"]);
    expect(new Set(replies.map((message) => message.parentId)).size).toBe(1);

    // The arrows switch between the two answers.
    await page.getByRole("button", { name: "Previous version" }).click();
    await expect.poll(() => lastReply(page).locator(".branch-position").textContent()).toBe("1 / 2");
    expect(await lastReply(page).getAttribute("data-message-id")).toBe(replies[0]?.id);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("edits a sent message into a new branch, with arrows back to the original", async () => {
    const { context, page, errors } = await openChat();
    await chooseModel(page, "tiny");
    await sendMessage(page, "first question");
    await expect.poll(() => lastReply(page).getAttribute("data-status")).toBe("complete");
    await sendMessage(page, "second question");
    await expect.poll(() => page.locator(".assistant-message[data-status=complete]").count()).toBe(2);

    const second = page.locator(".user-message").nth(1);
    await second.hover();
    await second.getByRole("button", { name: "Edit" }).click();
    const editor = page.getByRole("textbox", { name: "Edit message" });
    await editor.fill("second question, edited");
    await editor.press("Enter");

    await expect
      .poll(() => page.locator(".user-bubble").nth(1).textContent())
      .toBe("second question, edited");
    await expect.poll(() => page.locator(".assistant-message[data-status=complete]").count()).toBe(2);
    expect(await page.locator(".user-message").nth(1).locator(".branch-position").textContent()).toBe(
      "2 / 2",
    );
    expect((await lastReply(page).locator(".markdown").textContent())?.trim()).toBe(ALPHABET);

    const messages = await storedMessages(conversationIdOf(page));
    const edited = messages.filter(
      (message) => message.role === "user" && message.content.startsWith("second"),
    );
    expect(edited).toHaveLength(2);
    expect(edited[0]?.parentId).toBe(edited[1]?.parentId);

    await page.locator(".user-message").nth(1).getByRole("button", { name: "Previous version" }).click();
    await expect.poll(() => page.locator(".user-bubble").nth(1).textContent()).toBe("second question");
    expect(await page.locator(".user-message").nth(1).locator(".branch-position").textContent()).toBe(
      "1 / 2",
    );
    expect(errors).toEqual([]);
    await context.close();
  });

  it("edits the first message into a new root branch, with arrows back to the original", async () => {
    const { context, page, errors } = await openChat();
    await chooseModel(page, "tiny");
    await sendMessage(page, "opening line");
    await expect.poll(() => lastReply(page).getAttribute("data-status")).toBe("complete");

    const first = page.locator(".user-message").first();
    await first.hover();
    await first.getByRole("button", { name: "Edit" }).click();
    const editor = page.getByRole("textbox", { name: "Edit message" });
    await editor.fill("opening line, edited");
    await editor.press("Enter");

    await expect.poll(() => page.locator(".user-bubble").first().textContent()).toBe("opening line, edited");
    await expect.poll(() => lastReply(page).getAttribute("data-status")).toBe("complete");
    expect(await page.locator(".user-message").first().locator(".branch-position").textContent()).toBe(
      "2 / 2",
    );
    expect((await lastReply(page).locator(".markdown").textContent())?.trim()).toBe(ALPHABET);
    const roots = (await storedMessages(conversationIdOf(page))).filter(
      (message) => message.parentId === null,
    );
    expect(roots.map((message) => message.content)).toEqual(["opening line", "opening line, edited"]);

    // After a reload the newest root is shown, and the arrow goes back to the original with its reply.
    await page.reload();
    await expect.poll(() => page.locator(".user-bubble").first().textContent()).toBe("opening line, edited");
    await page.locator(".user-message").first().getByRole("button", { name: "Previous version" }).click();
    await expect.poll(() => page.locator(".user-bubble").first().textContent()).toBe("opening line");
    expect(await page.locator(".user-message").first().locator(".branch-position").textContent()).toBe(
      "1 / 2",
    );
    expect((await lastReply(page).locator(".markdown").textContent())?.trim()).toBe(ALPHABET);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("renames a conversation from its menu in the sidebar, and the name stays after a reload", async () => {
    const conversationId = await createConversation(parley, "Notes to rename");
    const { context, page, errors } = await newChatPage(browser, parley.url);
    await page.goto(`/c/${conversationId}`);
    await page.getByRole("button", { name: "Options for Notes to rename" }).click();
    await page.getByRole("menuitem", { name: "Rename" }).click();
    const input = page.getByRole("textbox", { name: "New name for Notes to rename" });
    await input.fill("Renamed notes");
    await input.press("Enter");

    await expect.poll(() => page.getByRole("link", { name: "Renamed notes" }).count()).toBe(1);
    const stored = () => parley.json<{ title: string }>(`/api/conversations/${conversationId}`);
    await expect.poll(async () => (await stored()).title).toBe("Renamed notes");
    await expect.poll(() => page.title()).toBe("Renamed notes · Parley");
    await page.reload();
    await expect
      .poll(() => page.getByRole("link", { name: "Renamed notes" }).getAttribute("aria-current"))
      .toBe("page");
    expect(await page.locator(".sidebar-problem").count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("lists an empty conversation (one whose first message was refused) in the sidebar only while it is open", async () => {
    await createConversation(parley, "Kept in the list");
    const empty = await createConversation(parley);
    const { context, page, errors } = await newChatPage(browser, parley.url);
    const emptyLink = page.locator(`.sidebar a[href="/c/${empty}"]`);
    await page.goto("/");
    await expect.poll(() => page.getByRole("link", { name: "Kept in the list" }).count()).toBe(1);
    expect(await emptyLink.count()).toBe(0);

    // Open, it is listed, so it can be found and sent to again.
    await page.goto(`/c/${empty}`);
    await expect.poll(() => emptyLink.getAttribute("aria-current")).toBe("page");
    expect(await emptyLink.textContent()).toBe("New chat");

    // Left for another conversation, it is gone from the list.
    await page.getByRole("link", { name: "Kept in the list" }).click();
    await expect.poll(() => emptyLink.count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("shows model output as text: no script, event handler, javascript: link, or image from it runs or loads", async () => {
    const { context, page, errors } = await openChat();
    const payload = [
      "An image: <img src=x onerror=\"window.__pwned = 'img'\">",
      "",
      '<script>window.__pwned = "script"</script>',
      "",
      '[click me](javascript:window.__pwned="link") and <a href="javascript:window.__pwned=1">raw link</a>',
      "",
      '<svg onload="window.__pwned = \'svg\'"></svg><iframe src="javascript:window.__pwned=3"></iframe>',
      "",
      "![tracker](https://tracker.invalid/pixel.png?leak=secret)",
    ].join("\n");
    const outside: string[] = [];
    page.on("request", (request) => {
      if (!request.url().startsWith(parley.url)) outside.push(request.url());
    });

    // The reply reaches the page as a real run stream would bring it; the user's own text goes to the real server.
    const conversationId = await createConversationWithReply(page, payload);
    await page.goto(`/c/${conversationId}`);
    await sendMessage(
      page,
      "<img src=x onerror=\"window.__pwned = 'user'\"> <script>window.__pwned = 1</script>",
    );

    const reply = lastReply(page);
    await expect.poll(() => reply.getAttribute("data-status")).toBe("complete");
    const markdown = reply.locator(".markdown");
    const text = await markdown.textContent();
    expect(text).toContain("<img src=x onerror=\"window.__pwned = 'img'\">");
    expect(text).toContain('<script>window.__pwned = "script"</script>');
    expect(text).toContain("Image: tracker");
    expect(await markdown.locator("img, script, svg, iframe, object, embed").count()).toBe(0);
    expect(await markdown.locator("[onerror], [onload], [onclick]").count()).toBe(0);
    const hrefs = await markdown
      .locator("a")
      .evaluateAll((links) => links.map((link) => link.getAttribute("href")));
    expect(hrefs.filter((href) => href?.toLowerCase().includes("javascript"))).toEqual([]);
    expect(await page.locator(".user-bubble").textContent()).toContain('<img src=x onerror="window.__pwned');

    await page.waitForTimeout(200);
    expect(await page.evaluate("window.__pwned")).toBeUndefined();
    expect(outside).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("is in Chinese for a Chinese browser, and switches to English in the settings", async () => {
    const { context, page } = await openChat({ locale: "zh-CN" });
    await expect.poll(() => page.getByRole("button", { name: "新对话" }).count()).toBe(1);
    expect(await page.getByRole("textbox", { name: "消息" }).count()).toBe(1);
    expect(await page.getByRole("heading", { name: "今天想聊点什么？" }).count()).toBe(1);
    expect(await page.evaluate("document.documentElement.lang")).toBe("zh-CN");

    await page.getByRole("button", { name: "设置" }).click();
    await page.getByRole("combobox", { name: "语言" }).selectOption("en");
    await expect.poll(() => page.getByRole("button", { name: "New chat" }).count()).toBe(1);
    await page.getByRole("radio", { name: "Dark" }).check();
    expect(await page.evaluate("document.documentElement.dataset.theme")).toBe("dark");
    await page.getByRole("button", { name: "Close settings" }).click();
    await page.reload();
    // Both choices are remembered.
    await expect.poll(() => page.getByRole("textbox", { name: "Message" }).count()).toBe(1);
    expect(await page.evaluate("document.documentElement.dataset.theme")).toBe("dark");
    await context.close();
  });

  it("says how to get a model when none is ready, and does not let a message be sent", async () => {
    const { context, page } = await newChatPage(browser, parley.url);
    await page.route("**/api/models", (route) =>
      route.fulfill({ json: { models: [], hint: "No model is installed." } }),
    );
    await page.goto("/");
    await expect.poll(() => page.getByRole("heading", { name: "No model is ready yet" }).count()).toBe(1);
    expect(await page.locator(".empty-card").textContent()).toContain("npm run parley -- pull qwen3-0.6b");
    await page.getByRole("textbox", { name: "Message" }).fill("hello");
    expect(await page.getByRole("button", { name: "Send" }).isDisabled()).toBe(true);
    await context.close();
  });

  it("lists, searches and deletes conversations in the sidebar", async () => {
    const { context, page } = await openChat();
    await expect.poll(() => page.getByRole("heading", { name: "Today", exact: true }).count()).toBe(1);
    await page.getByRole("searchbox", { name: "Search chats" }).fill("alphabet");
    await expect.poll(() => page.locator(".conversation-link").allInnerTexts()).toEqual(["Say the alphabet"]);

    await page.getByRole("searchbox", { name: "Search chats" }).fill("first question");
    await expect.poll(() => page.locator(".conversation-link").allInnerTexts()).toEqual(["first question"]);
    await page.getByRole("button", { name: "Options for first question" }).click();
    await page.getByRole("menuitem", { name: "Delete" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
    await expect.poll(() => page.locator(".conversation-link").count()).toBe(0);
    const titles = async () =>
      (await parley.json<{ conversations: { title: string }[] }>("/api/conversations")).conversations.map(
        (conversation) => conversation.title,
      );
    await expect.poll(titles).not.toContain("first question");

    // Ctrl+K searches; Ctrl+Shift+O starts a new chat.
    await page.getByRole("textbox", { name: "Message" }).focus();
    await page.keyboard.press("Control+k");
    await expect.poll(() => page.evaluate("document.activeElement?.type")).toBe("search");
    await page.getByRole("searchbox", { name: "Search chats" }).fill("");
    await page.getByRole("link", { name: "Say the alphabet" }).click();
    await expect.poll(() => page.url()).toMatch(/\/c\/conv_/);
    await page.keyboard.press("Control+Shift+O");
    await expect.poll(() => new URL(page.url()).pathname).toBe("/");
    await context.close();
  });

  it("opens API keys and usage from the settings: keys are not needed in single-user mode, usage lists replies by model", async () => {
    const { context, page, errors } = await openChat();
    // A reply of its own, so that the usage has a row for the tiny model whatever ran before.
    await chooseModel(page, "tiny");
    await sendMessage(page, "count me");
    await expect.poll(() => lastReply(page).getAttribute("data-status")).toBe("complete");
    await page.getByRole("button", { name: "Settings" }).click();
    await page.getByRole("button", { name: "API keys" }).click();
    await page.getByRole("heading", { name: "API keys", level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/settings/keys");
    await expect.poll(() => page.getByRole("status").filter({ hasText: "single-user mode" }).count()).toBe(1);
    expect(await page.getByRole("button", { name: "Create key" }).count()).toBe(0);

    await page.getByRole("link", { name: "Usage" }).click();
    await page.getByRole("heading", { name: "Usage", level: 1 }).waitFor();
    expect(await page.title()).toBe("Usage · Parley");
    const table = page.getByRole("table", { name: "Usage by day and model" });
    await table.waitFor();
    const models = await table.locator("tbody tr td:nth-child(2)").allTextContents();
    expect(models).toContain("tiny");
    const stored = await parley.json<{ totals: { replies: number } }>("/api/usage");
    const replies = page.locator(".usage-totals > div").filter({ hasText: "Replies" }).locator("dd");
    expect(await replies.textContent()).toBe(String(stored.totals.replies));
    await page.getByRole("combobox", { name: "Period" }).selectOption({ label: "Last 7 days" });
    await expect.poll(() => page.locator(".usage-bar").count()).toBe(7);
    await page.screenshot({ path: artifactPath("usage.png") });

    // Back and forward move between the pages and the chat.
    await page.goBack();
    await page.getByRole("heading", { name: "API keys", level: 1 }).waitFor();
    await page.getByRole("button", { name: "New chat" }).click();
    await page.getByRole("textbox", { name: "Message" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("writes screenshots of the chat in light, dark and at phone width", async () => {
    const conversationId = await showcaseConversation();
    for (const theme of ["light", "dark"] as const) {
      const { context, page } = await newChatPage(browser, parley.url, { colorScheme: theme });
      await routeShowcase(page, conversationId);
      await page.goto(`/c/${conversationId}`);
      await page.locator(".hljs-keyword").first().waitFor();
      await page.screenshot({ path: artifactPath(`chat-${theme}.png`) });
      await page.locator(".message-scroller").evaluate((element) => element.scrollTo({ top: 0 }));
      await page.screenshot({ path: artifactPath(`chat-${theme}-top.png`) });
      if (theme === "light") {
        await page.getByRole("button", { name: /^Model:/ }).click();
        await page.screenshot({ path: artifactPath("model-picker.png") });
        await page.keyboard.press("Escape");
        await page.goto("/");
        await page.getByRole("heading", { name: "How can I help you today?" }).waitFor();
        await page.screenshot({ path: artifactPath("new-chat.png") });
      }
      await context.close();
    }

    const { context, page } = await newChatPage(browser, parley.url, {
      viewport: { width: 375, height: 812 },
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 2,
    });
    await routeShowcase(page, conversationId);
    await page.goto(`/c/${conversationId}`);
    await page.locator(".hljs-keyword").first().waitFor();
    // Nothing may be wider than the phone: long code scrolls inside its block.
    expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(375);
    await page.screenshot({ path: artifactPath("chat-phone.png") });
    await page.getByRole("button", { name: "Open sidebar" }).click();
    await page.getByRole("navigation", { name: "Chats" }).getByRole("button", { name: "New chat" }).waitFor();
    await page.waitForTimeout(250);
    await page.screenshot({ path: artifactPath("chat-phone-sidebar.png") });
    await context.close();
  });
});

/** Creates a real conversation whose stored reply is `reply`, and makes the page see it so. */
async function createConversationWithReply(page: Page, reply: string): Promise<string> {
  const { id } = await parley.json<{ id: string }>("/api/conversations", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ title: "Sanitizing" }),
  });
  let stored: ReturnType<typeof fakeMessage>[] = [];
  await page.route(`**/api/conversations/${id}/messages`, async (route) => {
    const body = route.request().postDataJSON() as { content: string };
    const events = [
      [
        "run.start",
        {
          runId: "run_fake",
          conversationId: id,
          userMessageId: "msg_user",
          assistantMessageId: "msg_reply",
          model: "tiny",
        },
      ],
      ...[...reply]
        .reduce<string[]>((chunks, character, index) => {
          if (index % 7 === 0) chunks.push("");
          chunks[chunks.length - 1] += character;
          return chunks;
        }, [])
        .map((text) => ["text.delta", { text }] as const),
      [
        "run.end",
        {
          finishReason: "stop",
          usage: { inputTokens: 10, outputTokens: 60 },
          timings: { ttftMs: 40, tokensPerSecond: 500 },
        },
      ],
    ] as const;
    stored = [
      fakeMessage("msg_user", null, "user", body.content),
      fakeMessage("msg_reply", "msg_user", "assistant", reply),
    ];
    await route.fulfill({
      headers: { "content-type": "text/event-stream; charset=utf-8" },
      body: events
        .map(([event, data], index) => `id: ${index + 1}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
        .join(""),
    });
  });
  await page.route(`**/api/conversations/${id}`, (route) =>
    route.fulfill({
      json: {
        id,
        title: "Sanitizing",
        botId: null,
        createdAt: 0,
        updatedAt: 0,
        messages: withChildren(stored),
      },
    }),
  );
  return id;
}

function fakeMessage(
  id: string,
  parentId: string | null,
  role: "user" | "assistant",
  content: string,
  extra = {},
) {
  return {
    id,
    conversationId: "conv_fake",
    parentId,
    role,
    content,
    status: "complete",
    model: role === "assistant" ? "tiny" : null,
    runId: null,
    finishReason: role === "assistant" ? "stop" : null,
    usage: role === "assistant" ? { inputTokens: 31, outputTokens: 212 } : null,
    timings: role === "assistant" ? { ttftMs: 84, tokensPerSecond: 61.4 } : null,
    error: null,
    createdAt: 1,
    updatedAt: 1,
    ...extra,
  };
}

function withChildren(messages: ReturnType<typeof fakeMessage>[]) {
  return messages.map((message) => ({
    ...message,
    children: messages.filter((child) => child.parentId === message.id).map((child) => child.id),
  }));
}

const SHOWCASE_REPLY = [
  "## SSE or WebSockets?",
  "",
  "**Server-Sent Events** stream text from the server over plain HTTP; **WebSockets** open a two-way channel. For a chat reply, SSE is usually the better fit.",
  "",
  "| | SSE | WebSockets |",
  "|---|---|---|",
  "| Direction | server → browser | both ways |",
  "| Resume after a drop | `Last-Event-ID` is built in | your own protocol |",
  "| Through proxies | plain HTTP | needs upgrade support |",
  "",
  "A minimal SSE endpoint in TypeScript:",
  "",
  "```ts",
  'import { createServer } from "node:http";',
  "",
  "createServer((request, response) => {",
  '  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });',
  "  let id = 0;",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: TypeScript source inside a Markdown reply.
  "  const timer = setInterval(() => response.write(`id: ${++id}\\ndata: tick\\n\\n`), 1000);",
  '  request.on("close", () => clearInterval(timer));',
  "}).listen(3000);",
  "```",
  "",
  "> Send a comment line (`: ping`) every 15 seconds so proxies keep the connection open.",
  "",
  "1. Use SSE for chat replies and notifications.",
  "2. Use WebSockets for collaborative editing or games.",
].join("\n");

async function showcaseConversation(): Promise<string> {
  const { id } = await parley.json<{ id: string }>("/api/conversations", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ title: "SSE or WebSockets for chat?" }),
  });
  return id;
}

/** Shows a conversation with a rich Markdown reply (the tiny model only knows the alphabet). */
async function routeShowcase(page: Page, id: string): Promise<void> {
  const messages = withChildren([
    fakeMessage(
      "msg_q",
      null,
      "user",
      "Should a chat app stream replies with SSE or WebSockets? Show me a small server.",
    ),
    fakeMessage("msg_a1", "msg_q", "assistant", "SSE."),
    fakeMessage("msg_a2", "msg_q", "assistant", SHOWCASE_REPLY, { createdAt: 2 }),
  ]);
  await page.route(`**/api/conversations/${id}`, (route) =>
    route.fulfill({
      json: {
        id,
        title: "SSE or WebSockets for chat?",
        botId: null,
        createdAt: 0,
        updatedAt: Date.now(),
        messages,
      },
    }),
  );
}
