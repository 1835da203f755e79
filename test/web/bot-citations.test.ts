// A bot picked from the gallery: its starters, a reply that cites the bot's knowledge as numbered marks, and the
// source panel that opens on a mark with the cited sentence highlighted, live, after a reload (from the stored
// message, without reading the run again), and on a phone.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  artifactPath,
  ensureWebAppBuilt,
  lastReply,
  launchChromium,
  newChatPage,
  useBrowserTestTimeouts,
} from "./browser-test-support.js";
import { SCRIPTED_MODEL, type ScriptedParley, startScriptedParley } from "./scripted-parley.js";

const CITED = "Timers fire after their delay has passed.";
/** Long enough that the cited sentence, near the end, is out of sight until the panel scrolls to it. */
const GUIDE = [
  "# Event loop guide",
  "",
  ...Array.from(
    { length: 60 },
    (_, index) =>
      `Paragraph ${index + 1} describes another part of the browser's rendering pipeline in detail.`,
  ),
  "",
  `${CITED} Microtasks run before the next macrotask.`,
  "",
  "Rendering happens between tasks in a browser.",
].join("\n");

let server: ScriptedParley;
let browser: Browser;

useBrowserTestTimeouts();

beforeAll(async () => {
  ensureWebAppBuilt();
  [server, browser] = await Promise.all([startScriptedParley(), launchChromium()]);
  const post = async <T>(pathname: string, body: unknown): Promise<T> => {
    const response = await server.parley.api(pathname, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(response.status, `POST ${pathname}`).toBe(201);
    return (await response.json()) as T;
  };
  const bot = await post<{ id: string }>("/api/bots", {
    name: "Event loop expert",
    slug: "event-loop-expert",
    avatar: "⏱️",
    description: "Answers from the event loop guide, with sources.",
    instructions: "Answer from the guide.",
    conversationStarters: ["When do timers fire?", "What happens between tasks?"],
    model: SCRIPTED_MODEL,
  });
  await post(`/api/bots/${bot.id}/knowledge`, { title: "Event loop guide", content: GUIDE });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** The source panel, once open. */
function sourcePanel(page: Page) {
  return page.getByRole("complementary", { name: "Event loop guide" });
}

/** Whether the element is inside its scrolling panel's visible area. */
async function isScrolledIntoView(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const mark = document.querySelector(".citation-highlight");
    const body = document.querySelector(".citation-panel-body");
    if (!mark || !body) return false;
    const inner = mark.getBoundingClientRect();
    const outer = body.getBoundingClientRect();
    return inner.top >= outer.top && inner.bottom <= outer.bottom && body.scrollTop > 0;
  });
}

describe("citations of a bot's knowledge in the web app", () => {
  it("picks the bot from the gallery, shows its starters, and opens a numbered citation on its source", async () => {
    const { context, page, errors } = await newChatPage(browser, server.parley.url);
    await page.goto("/bots");
    const gallery = page.getByRole("main");
    await gallery.getByRole("heading", { name: "Bots", level: 1 }).waitFor();
    await gallery.getByRole("link", { name: "Chat with Code tutor" }).waitFor();
    await gallery.getByRole("searchbox", { name: "Search bots" }).fill("event loop");
    await expect.poll(() => gallery.locator(".bot-card").count()).toBe(1);
    await page.screenshot({ path: artifactPath("bot-gallery-search.png") });
    await gallery.getByRole("link", { name: "Chat with Event loop expert" }).click();

    await expect.poll(() => new URL(page.url()).pathname).toBe("/b/event-loop-expert");
    const header = page.locator(".chat-header .bot-badge");
    await expect.poll(() => header.textContent()).toBe("⏱️Event loop expert");
    const starters = page.getByRole("list", { name: "Conversation starters" }).getByRole("button");
    expect(await starters.allTextContents()).toEqual(["When do timers fire?", "What happens between tasks?"]);

    await page.getByRole("button", { name: "When do timers fire?" }).click();
    await expect.poll(() => lastReply(page).getAttribute("data-status")).toBe("complete");
    const reply = lastReply(page).locator(".markdown");
    // The checked citation is mark 1; the made-up [S99] is left out rather than shown raw.
    expect((await reply.textContent())?.trim()).toBe(
      `From the guide: ${CITED}1 It says nothing more on this.`,
    );
    const mark = reply.getByRole("button", { name: "Source 1: Event loop guide" });
    expect(await mark.textContent()).toBe("1");
    expect(await mark.evaluate((element) => element.parentElement?.tagName)).toBe("SUP");

    await mark.click();
    const panel = sourcePanel(page);
    await panel.waitFor();
    expect(await panel.getByText("Source 1", { exact: true }).count()).toBe(1);
    await expect.poll(() => panel.locator("mark.citation-highlight").textContent()).toBe(CITED);
    await expect.poll(() => isScrolledIntoView(page)).toBe(true);
    // The whole document is there around the highlight.
    expect(await panel.locator(".citation-document").textContent()).toBe(GUIDE);
    await page.screenshot({ path: artifactPath("bot-citation-panel.png") });

    // Esc closes it and gives the focus back to the mark.
    await page.keyboard.press("Escape");
    await expect.poll(() => panel.count()).toBe(0);
    expect(await mark.evaluate((element) => element === document.activeElement)).toBe(true);

    // A stored reply keeps its citations with its message: after a reload its marks come from the loaded
    // conversation, and no run's events are read again.
    const runEventReads: string[] = [];
    page.on("request", (request) => {
      if (/^\/api\/runs\/[^/]+\/events$/.test(new URL(request.url()).pathname))
        runEventReads.push(request.url());
    });
    const conversationLoad = page.waitForResponse(
      (response) =>
        response.request().method() === "GET" &&
        /^\/api\/conversations\/[^/]+$/.test(new URL(response.url()).pathname),
    );
    await page.reload();
    const loaded = (await (await conversationLoad).json()) as {
      messages: { role: string; citations?: { citedText: string; marker?: string }[] }[];
    };
    expect(loaded.messages.find((message) => message.role === "assistant")?.citations).toEqual([
      expect.objectContaining({ citedText: CITED, marker: "S1" }),
    ]);
    const stored = lastReply(page).getByRole("button", { name: "Source 1: Event loop guide" });
    await stored.click();
    await expect.poll(() => sourcePanel(page).locator("mark.citation-highlight").textContent()).toBe(CITED);
    expect(runEventReads).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("shows the source as a sheet from the bottom on a phone", async () => {
    const { context, page } = await newChatPage(browser, server.parley.url, {
      viewport: { width: 390, height: 844 },
      hasTouch: true,
      isMobile: true,
    });
    await page.goto("/b/event-loop-expert");
    await page.getByRole("button", { name: "What happens between tasks?" }).click();
    await expect.poll(() => lastReply(page).getAttribute("data-status")).toBe("complete");
    await lastReply(page).getByRole("button", { name: "Source 1: Event loop guide" }).click();
    const panel = sourcePanel(page);
    await expect
      .poll(() => panel.locator("mark.citation-highlight").textContent())
      .toBe("Rendering happens between tasks in a browser.");
    const box = await panel.boundingBox();
    expect(box?.width).toBe(390);
    expect(Math.round((box?.y ?? 0) + (box?.height ?? 0))).toBe(844);
    await page.screenshot({ path: artifactPath("bot-citation-sheet.png") });
    // A tap on the page behind it closes it.
    await page.mouse.click(195, 40);
    await expect.poll(() => panel.count()).toBe(0);
    await context.close();
  });
});
