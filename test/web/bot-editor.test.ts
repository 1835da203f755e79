// The bot editor: a bot made from the gallery's "Create a bot", its preview chat answering as the saved bot and
// restarting with each saved version, knowledge files uploaded from the page, and the bot in the gallery after.
import type { Page, Request } from "playwright-core";
import { describe, expect, it } from "vitest";
import { minimalPdf } from "../support/minimal-pdf.js";
import { artifactPath, newChatPage } from "./browser-test-support.js";
import { SCRIPTED_MODEL, useScriptedParleyInBrowser } from "./scripted-parley.js";

const scripted = useScriptedParleyInBrowser();

type StoredBot = {
  id: string;
  name: string;
  slug: string;
  avatar: string;
  description: string;
  instructions: string;
  conversationStarters: string[];
  model: string | null;
  temperature: number | null;
  visibility: string;
  version: number;
};

const KYOTO_GUIDE =
  "# Kyoto\n\nKyoto has more than a thousand temples. Visit Fushimi Inari early in the morning.";

function preview(page: Page) {
  return page.getByRole("region", { name: "Preview" });
}

function previewReply(page: Page) {
  return preview(page).locator(".assistant-message").last();
}

describe("the bot editor", () => {
  it("creates a bot whose preview chat answers, restarts the preview with each save, and lists it in the gallery", async () => {
    const { context, page, errors } = await newChatPage(scripted.browser, scripted.server.parley.url);
    await page.goto("/");
    await page.getByRole("link", { name: "Explore", exact: true }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe("/bots");
    await page.getByRole("link", { name: "Create a bot" }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe("/bots/new");
    await preview(page).getByText("Create the bot to try it here.").waitFor();

    await page.getByLabel("Name", { exact: true }).fill("Trip planner");
    await page.getByRole("button", { name: "Use 🧭 as avatar" }).click();
    await page.getByLabel("Description").fill("Plans short trips.");
    await page.getByLabel("Instructions").fill("Plan trips, day by day.");
    await page.getByRole("textbox", { name: "Starter 1", exact: true }).fill("Plan a weekend in Kyoto");
    await page.getByLabel("Default model").selectOption(SCRIPTED_MODEL);
    await page.getByLabel("The model's default").uncheck();
    await page.getByRole("button", { name: "Create bot" }).click();

    await expect.poll(() => new URL(page.url()).pathname).toMatch(/^\/bots\/bot_[^/]+\/edit$/);
    const botId = new URL(page.url()).pathname.split("/")[2] as string;
    await page.getByText("Saved as version 1").waitFor();
    const created = await scripted.server.parley.json<StoredBot>(`/api/bots/${botId}`);
    expect(created).toMatchObject({
      name: "Trip planner",
      slug: "trip-planner",
      avatar: "🧭",
      description: "Plans short trips.",
      instructions: "Plan trips, day by day.",
      conversationStarters: ["Plan a weekend in Kyoto"],
      model: SCRIPTED_MODEL,
      temperature: 0.7,
      visibility: "private",
      version: 1,
    });

    // The preview is a chat with the saved bot: its header, its starters, its model's reply.
    await expect.poll(() => preview(page).locator(".bot-badge").textContent()).toBe("🧭Trip planner");
    await preview(page).getByRole("button", { name: "Plan a weekend in Kyoto" }).click();
    await expect.poll(() => previewReply(page).getAttribute("data-status")).toBe("complete");
    expect((await previewReply(page).locator(".markdown").textContent())?.trim()).toBe(
      "You said: Plan a weekend in Kyoto",
    );
    expect(scripted.server.upstream.requests.at(-1)?.system).toBe("Plan trips, day by day.");

    // An edit is unsaved until saved; saving makes version 2 and a fresh preview chat with it.
    await page.getByLabel("Name", { exact: true }).fill("Trip planner Pro");
    await page.getByText("Unsaved changes").waitFor();
    await preview(page).getByText("The preview answers with the saved version.", { exact: false }).waitFor();
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByText("Saved as version 2").waitFor();
    await preview(page).getByRole("heading", { name: "Trip planner Pro", level: 1 }).waitFor();
    expect(await preview(page).locator(".assistant-message").count()).toBe(0);

    // Knowledge: a Markdown file, uploaded as it is and named after the file.
    await page.getByLabel("Add files").setInputFiles({
      name: "kyoto.md",
      mimeType: "text/markdown",
      buffer: Buffer.from(KYOTO_GUIDE),
    });
    const files = page.getByRole("list", { name: "Knowledge files" });
    await files.getByText("kyoto", { exact: true }).waitFor();
    expect(await files.getByText("3 sentences", { exact: false }).count()).toBe(1);
    const { documents } = await scripted.server.parley.json<{
      documents: { title: string; mediaType: string }[];
    }>(`/api/bots/${botId}/knowledge`);
    expect(documents).toMatchObject([{ title: "kyoto", mediaType: "text/markdown" }]);

    // The preview answers from it, with a citation that opens its source over the preview.
    await preview(page).getByRole("textbox", { name: "Message" }).fill("Which temple should I visit early?");
    await preview(page).getByRole("textbox", { name: "Message" }).press("Enter");
    await expect.poll(() => previewReply(page).getAttribute("data-status")).toBe("complete");
    await previewReply(page).getByRole("button", { name: "Source 1: kyoto" }).click();
    await expect
      .poll(() => page.getByRole("complementary", { name: "kyoto" }).locator("mark").textContent())
      .toBe("Visit Fushimi Inari early in the morning.");
    await page.screenshot({ path: artifactPath("bot-editor.png") });
    await page.keyboard.press("Escape");

    // Back in the gallery, the bot is among the user's own.
    await page.getByRole("link", { name: "← All bots" }).click();
    const gallery = page.getByRole("main");
    await gallery.getByRole("button", { name: /^Mine/ }).click();
    await expect
      .poll(() => gallery.locator(".bot-card .bot-card-name").allTextContents())
      .toEqual(["Trip planner Pro"]);
    await gallery.getByRole("link", { name: "Edit Trip planner Pro" }).waitFor();

    // The preview's chats were only for trying the bot: none is left in the user's chats.
    await expect
      .poll(
        async () =>
          (await scripted.server.parley.json<{ conversations: unknown[] }>("/api/conversations"))
            .conversations,
      )
      .toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("uploads a PDF as multipart/form-data in the field `file`, and lists the document the server read from it", async () => {
    const bot = await scripted.server.parley.json<{ id: string }>("/api/bots", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Manual reader" }),
    });
    const { context, page } = await newChatPage(scripted.browser, scripted.server.parley.url);
    // Chromium does not show a test the body of a request that carries a file: the page's FormData is read instead.
    await page.addInitScript(() => {
      const sent: unknown[] = [];
      Object.assign(window, { sentForms: sent });
      const fetchWith = window.fetch.bind(window);
      window.fetch = (input, init) => {
        if (init?.body instanceof FormData) {
          const fields: unknown[] = [];
          init.body.forEach((value, name) => {
            fields.push(
              value instanceof File
                ? { name, file: value.name, type: value.type, size: value.size }
                : { name },
            );
          });
          sent.push(fields);
        }
        return fetchWith(input, init);
      };
    });
    await page.goto(`/bots/${bot.id}/edit`);
    const uploads: Request[] = [];
    page.on("request", (request) => {
      if (request.method() === "POST" && request.url().endsWith(`/api/bots/${bot.id}/knowledge`))
        uploads.push(request);
    });
    const answered = page.waitForResponse(
      (response) =>
        response.request().method() === "POST" && response.url().endsWith(`/api/bots/${bot.id}/knowledge`),
    );
    const pdf = minimalPdf([[["Parley reads manuals. Every page counts."]]]);
    await page
      .getByLabel("Add files")
      .setInputFiles({ name: "manual.pdf", mimeType: "application/pdf", buffer: pdf });
    const response = await answered;
    expect(uploads).toHaveLength(1);
    expect(await (uploads[0] as Request).headerValue("content-type")).toMatch(
      /^multipart\/form-data; boundary=/,
    );
    expect(await page.evaluate(() => (window as unknown as { sentForms: unknown[] }).sentForms)).toEqual([
      [{ name: "title" }, { name: "file", file: "manual.pdf", type: "application/pdf", size: pdf.length }],
    ]);
    expect(response.status()).toBe(201);
    const files = page.getByRole("list", { name: "Knowledge files" });
    await files.getByText("manual", { exact: true }).waitFor();
    expect(await files.getByText("2 sentences", { exact: false }).count()).toBe(1);
    const { documents } = await scripted.server.parley.json<{ documents: { id: string; title: string }[] }>(
      `/api/bots/${bot.id}/knowledge`,
    );
    const stored = await scripted.server.parley.json<{ content: string }>(
      `/api/bots/${bot.id}/knowledge/${documents[0]?.id}`,
    );
    expect(stored.content).toContain("Parley reads manuals. Every page counts.");
    await context.close();
  });
});
