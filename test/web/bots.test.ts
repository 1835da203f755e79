// Bots in the web app: the gallery in the sidebar, a new chat with a bot (its greeting and starters), and its
// replies answered by the bot's own model.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ParleyProcess, startParley, temporaryDirectory } from "../support/parley-process.js";
import {
  ALPHABET,
  artifactPath,
  conversationIdOf,
  ensureWebAppBuilt,
  lastReply,
  launchChromium,
  newChatPage,
  useBrowserTestTimeouts,
  writeBrowserTestModels,
} from "./browser-test-support.js";

let parley: ParleyProcess;
let browser: Browser;
let botId: string;

useBrowserTestTimeouts();

beforeAll(async () => {
  ensureWebAppBuilt();
  const dir = temporaryDirectory();
  await writeBrowserTestModels(dir);
  [parley, browser] = await Promise.all([startParley({ dataDir: dir }), launchChromium()]);
  const bot = await parley.json<{ id: string }>("/api/bots", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      name: "Alphabet coach",
      slug: "alphabet-coach",
      avatar: "🔤",
      description: "Recites the alphabet, nothing else.",
      instructions: "Recite the alphabet.",
      conversationStarters: ["Recite it for me", "Once more, slowly"],
      // Not the page's choice: the bot's own model answers its conversations.
      model: "tiny",
      visibility: "private",
    }),
  });
  botId = bot.id;
});

afterAll(async () => {
  await browser?.close();
  await parley?.stop();
});

/** The bot's link in the sidebar's gallery, opening the whole list if the bot is not among the first shown. */
async function botLink(page: Page, name: string) {
  const link = page.getByRole("link", { name: `Chat with ${name}` });
  await page.getByRole("heading", { name: "Bots" }).waitFor();
  const showAll = page.getByRole("button", { name: /^Show all/ });
  if ((await link.count()) === 0 && (await showAll.count()) === 1) await showAll.click();
  return link;
}

describe("bots in the web app", () => {
  it("opens a chat with a bot from the gallery, greets with its starters, and answers with the bot's model", async () => {
    const { context, page, errors } = await newChatPage(browser, parley.url);
    // The page's own model choice is tiny-loop; the bot's conversation must not send it.
    await page.addInitScript(() => localStorage.setItem("parley.model", "tiny-loop"));
    const posted: unknown[] = [];
    page.on("request", (request) => {
      if (request.method() === "POST" && /\/messages$/.test(request.url()))
        posted.push(request.postDataJSON());
    });
    await page.goto("/");
    // The built-in bots are listed too.
    await page.getByRole("link", { name: "Chat with Code tutor" }).waitFor();

    await (await botLink(page, "Alphabet coach")).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe("/b/alphabet-coach");
    await page.getByRole("heading", { name: "Alphabet coach", level: 1 }).waitFor();
    expect(await page.getByText("Recites the alphabet, nothing else.").count()).toBe(1);
    // The header names the bot instead of offering the model picker.
    expect(await page.locator(".chat-header .bot-badge").textContent()).toContain("Alphabet coach");
    expect(await page.getByRole("button", { name: /^Model:/ }).count()).toBe(0);
    const starters = page.getByRole("list", { name: "Conversation starters" }).getByRole("button");
    expect(await starters.allTextContents()).toEqual(["Recite it for me", "Once more, slowly"]);
    await page.screenshot({ path: artifactPath("bot-chat.png") });

    await page.getByRole("button", { name: "Recite it for me" }).click();
    await expect.poll(() => lastReply(page).getAttribute("data-status")).toBe("complete");
    expect((await lastReply(page).locator(".markdown").textContent())?.trim()).toBe(ALPHABET);
    expect(await page.locator(".user-bubble").textContent()).toBe("Recite it for me");
    expect(posted).toEqual([{ content: "Recite it for me" }]);

    const conversationId = conversationIdOf(page);
    const stored = await parley.json<{ botId: string; messages: { role: string; model: string | null }[] }>(
      `/api/conversations/${conversationId}`,
    );
    expect(stored.botId).toBe(botId);
    expect(stored.messages.find((message) => message.role === "assistant")?.model).toBe("tiny");

    // Reopened, the conversation still shows whom it talks to.
    await page.reload();
    await expect
      .poll(() => page.locator(".chat-header .bot-badge").textContent())
      .toContain("Alphabet coach");
    expect(await page.getByRole("button", { name: /^Model:/ }).count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("opens a new chat with a bot from its address", async () => {
    const { context, page } = await newChatPage(browser, parley.url);
    await page.goto("/b/alphabet-coach");
    await page.getByRole("heading", { name: "Alphabet coach", level: 1 }).waitFor();
    expect(
      await page.getByRole("link", { name: "Chat with Alphabet coach" }).getAttribute("class"),
    ).toContain("is-active");
    // New chat leaves the bot.
    await page.getByRole("button", { name: "New chat" }).first().click();
    await page.getByRole("heading", { name: "How can I help you today?" }).waitFor();
    expect(await page.getByRole("button", { name: /^Model:/ }).count()).toBe(1);
    await context.close();
  });
});
