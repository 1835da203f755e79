// A reply in the browser survives the network going away, a reload, and a server restart: the text on the page
// ends equal to what the server stored, with nothing doubled or missing, and the message is POSTed only once.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ParleyProcess, startParley, temporaryDirectory } from "../support/parley-process.js";
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
import { startCuttableProxy } from "./cuttable-proxy.js";

/** How long a looping reply may take to reach its token limit: on a machine busy with other tests, over 20 s. */
const LONG_REPLY_MS = 90_000;

let dataDir: string;
let parley: ParleyProcess;
let browser: Browser;

useBrowserTestTimeouts();

beforeAll(async () => {
  ensureWebAppBuilt();
  dataDir = temporaryDirectory();
  await writeBrowserTestModels(dataDir);
  [parley, browser] = await Promise.all([startParley({ dataDir }), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await parley?.stop();
});

async function storedReply(conversationId: string): Promise<StoredMessage> {
  const { messages } = await parley.json<{ messages: StoredMessage[] }>(
    `/api/conversations/${conversationId}`,
  );
  const reply = messages.findLast((message) => message.role === "assistant");
  if (!reply) throw new Error(`conversation ${conversationId} has no reply`);
  return reply;
}

/** The same server again on the same port (so the page's origin stays); the port may take a moment to be free. */
async function restartOnPort(port: string): Promise<ParleyProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startParley({ dataDir, args: ["--port", port] });
    } catch (error) {
      if (attempt === 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
}

/** Counts the page's requests that started runs and that resumed them. */
function countRunRequests(page: Page) {
  const counts = { posts: 0, resumes: [] as string[] };
  page.on("request", (request) => {
    if (request.method() === "POST" && /\/api\/conversations\/[^/]+\/messages$/.test(request.url()))
      counts.posts++;
    if (request.method() === "GET" && /\/api\/runs\/[^/]+\/events$/.test(request.url())) {
      counts.resumes.push(request.headers()["last-event-id"] ?? "");
    }
  });
  return counts;
}

async function startLoopingReply(page: Page) {
  await page.goto("/");
  await chooseModel(page, "tiny-loop");
  await sendMessage(page, "keep going");
  const reply = lastReply(page);
  await expect.poll(async () => (await reply.textContent())?.length ?? 0).toBeGreaterThan(200);
  return reply;
}

/** The reply's exact Markdown, as its "Copy as Markdown" button puts it on the clipboard. */
async function copiedReply(page: Page): Promise<string> {
  const reply = lastReply(page);
  await reply.hover();
  await reply.locator(".reply-actions").getByRole("button", { name: "Copy as Markdown" }).click();
  return (await page.evaluate("navigator.clipboard.readText()")) as string;
}

describe("a streaming reply in the browser", () => {
  it("resumes after the network drops mid-reply and ends with exactly the stored text", async () => {
    const proxy = await startCuttableProxy(parley.url);
    const { context, page, errors } = await newChatPage(browser, proxy.url);
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    const requests = countRunRequests(page);
    const reply = await startLoopingReply(page);

    await context.setOffline(true);
    proxy.cut();
    await expect.poll(() => reply.locator(".is-reconnecting").count()).toBe(1);
    expect(await reply.getByRole("status").textContent()).toBe("Reconnecting…");
    await page.screenshot({ path: artifactPath("reply-reconnecting.png") });
    await page.waitForTimeout(500);
    proxy.restore();
    await context.setOffline(false);

    await expect.poll(() => reply.getAttribute("data-status"), { timeout: LONG_REPLY_MS }).toBe("complete");
    const stored = await storedReply(conversationIdOf(page));
    expect(stored.status).toBe("complete");
    expect(stored.content.startsWith(`${ALPHABET}\n${ALPHABET}\n`)).toBe(true);
    expect(lettersOf(await reply.locator(".markdown").textContent())).toBe(lettersOf(stored.content));
    expect(await copiedReply(page)).toBe(stored.content);
    expect(requests.posts).toBe(1);
    expect(requests.resumes.length).toBeGreaterThan(0);
    expect(requests.resumes.every((lastEventId) => Number(lastEventId) > 1)).toBe(true);
    expect(await reply.locator(".is-reconnecting").count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
    await proxy.close();
  });

  it("reattaches to the run after a reload mid-reply and completes it", async () => {
    const { context, page, errors } = await newChatPage(browser, parley.url);
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    const requests = countRunRequests(page);
    await startLoopingReply(page);
    const conversationId = conversationIdOf(page);

    await page.reload();
    const reply = lastReply(page);
    await expect.poll(() => reply.getAttribute("data-status")).toBe("streaming");
    // Scrolling up stops the page from following the reply; "Jump to latest" brings it back. On a slow machine
    // the reattached reply may not fill the view yet, and there is nothing to scroll until it does.
    const scroller = page.locator(".message-scroller");
    await expect
      .poll(() => scroller.evaluate((element) => element.scrollHeight > element.clientHeight + 200))
      .toBe(true);
    await scroller.hover();
    await page.mouse.wheel(0, -3000);
    const jump = page.getByRole("button", { name: "Jump to latest" });
    await jump.waitFor();
    await jump.click();
    await expect.poll(() => jump.count()).toBe(0);
    await expect.poll(() => reply.getAttribute("data-status"), { timeout: LONG_REPLY_MS }).toBe("complete");
    const stored = await storedReply(conversationId);
    expect(lettersOf(await reply.locator(".markdown").textContent())).toBe(lettersOf(stored.content));
    expect(await copiedReply(page)).toBe(stored.content);
    expect(requests.posts).toBe(1);
    // Reattached from the start of the run: the page had no event id to go on, and showed nothing twice.
    expect(requests.resumes).toEqual(["0"]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("shows a reply cut by a server restart as interrupted, keeps its text, and retries it", async () => {
    const { context, page, errors } = await newChatPage(browser, parley.url);
    const reply = await startLoopingReply(page);
    const conversationId = conversationIdOf(page);

    const port = new URL(parley.url).port;
    await parley.stop("SIGKILL");
    await expect.poll(() => reply.getByRole("status").textContent()).toBe("Reconnecting…");
    parley = await restartOnPort(port);

    await expect.poll(() => reply.getAttribute("data-status")).toBe("interrupted");
    expect(await reply.getByRole("alert").textContent()).toContain(
      "Interrupted — the server restarted while writing this reply",
    );
    const stored = await storedReply(conversationId);
    expect(stored.status).toBe("interrupted");
    expect(stored.content.length).toBeGreaterThan(0);
    expect(lettersOf(await reply.locator(".markdown").textContent())).toBe(lettersOf(stored.content));
    await page.screenshot({ path: artifactPath("reply-interrupted.png") });

    await reply.getByRole("button", { name: "Retry" }).click();
    await page.getByRole("button", { name: "Stop" }).click();
    await expect.poll(() => lastReply(page).getAttribute("data-status")).toBe("stopped");
    expect(await lastReply(page).locator(".branch-position").textContent()).toBe("2 / 2");
    expect(errors).toEqual([]);
    await context.close();
  });
});
