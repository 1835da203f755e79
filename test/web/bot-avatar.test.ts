// A bot's image avatar: uploaded in the editor, saved with the bot, and shown as the bot's picture in the gallery,
// the sidebar, the chat header and the greeting (an <img> named after the bot) instead of an emoji.
import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { samplePng } from "../../src/files/test-support/sample-images.js";
import { artifactPath, newChatPage } from "./browser-test-support.js";
import { useScriptedParleyInBrowser } from "./scripted-parley.js";

const scripted = useScriptedParleyInBrowser();

// An odd size, so an image shown at its full pixel size can only be this upload.
const AVATAR = samplePng(6, 4, [20, 140, 90]);

/** The image's pixel size once the browser has decoded it; null while it loads or when it failed to. */
function decodedSize(image: Locator) {
  return image.evaluate((element: HTMLImageElement) =>
    element.complete && element.naturalWidth > 0 ? [element.naturalWidth, element.naturalHeight] : null,
  );
}

function preview(page: Page) {
  return page.getByRole("region", { name: "Preview" });
}

describe("a bot's image avatar", () => {
  it("is uploaded in the editor, saved with the bot, and shown in the gallery, the chat header and the greeting", async () => {
    const { context, page, errors } = await newChatPage(scripted.browser, scripted.server.parley.url);
    await page.goto("/bots/new");
    await page.getByLabel("Name", { exact: true }).fill("Owl guide");

    // A file that is no image is refused, in the server's words, and the emoji stays.
    await page
      .getByLabel("Upload an image")
      .setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("not a picture") });
    await expect.poll(() => page.getByRole("alert").textContent()).toMatch(/^The image was not uploaded: .+/);
    expect(await page.getByLabel("Avatar", { exact: true }).inputValue()).toBe("🤖");

    await page
      .getByLabel("Upload an image")
      .setInputFiles({ name: "owl.png", mimeType: "image/png", buffer: AVATAR });
    const chosen = page.getByRole("img", { name: "The bot's avatar image" });
    await expect.poll(() => decodedSize(chosen)).toEqual([6, 4]);
    expect(await page.getByRole("alert").count()).toBe(0);
    await page.screenshot({ path: artifactPath("bot-avatar-editor.png") });
    await page.getByRole("button", { name: "Create bot" }).click();
    await page.getByText("Saved as version 1").waitFor();

    const botId = new URL(page.url()).pathname.split("/")[2] as string;
    const saved = await scripted.server.parley.json<{ slug: string; avatar: string; avatarUrl: string }>(
      `/api/bots/${botId}`,
    );
    expect(saved.avatar).toMatch(/^file_/);
    expect(saved.avatarUrl).toBe(`/api/bots/${botId}/avatar?v=${saved.avatar}`);
    // The editor now shows the image from where everyone who may see the bot reads it.
    await expect.poll(() => chosen.getAttribute("src")).toBe(saved.avatarUrl);
    await expect
      .poll(() => decodedSize(preview(page).locator(".bot-badge img[alt='Owl guide']")))
      .toEqual([6, 4]);

    // The gallery card and the sidebar show the picture, named after the bot.
    await page.getByRole("link", { name: "← All bots" }).click();
    const card = page.locator(".bot-card", { hasText: "Owl guide" });
    await expect.poll(() => decodedSize(card.locator("img[alt='Owl guide']"))).toEqual([6, 4]);
    const sidebarEntry = page.locator(".bot-gallery .bot-link", { hasText: "Owl guide" });
    await expect.poll(() => decodedSize(sidebarEntry.locator("img[alt='Owl guide']"))).toEqual([6, 4]);
    await page.screenshot({ path: artifactPath("bot-avatar-gallery.png") });

    // A chat with the bot: its picture in the header and above its greeting.
    await card.getByRole("link", { name: "Chat with Owl guide" }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/b/${saved.slug}`);
    const chat = page.getByRole("main");
    await expect.poll(() => decodedSize(chat.locator(".bot-badge img[alt='Owl guide']"))).toEqual([6, 4]);
    await expect
      .poll(() => decodedSize(chat.locator(".bot-greeting-avatar img[alt='Owl guide']")))
      .toEqual([6, 4]);
    expect(await chat.locator(".bot-badge").textContent()).toBe("Owl guide");
    await page.screenshot({ path: artifactPath("bot-avatar-chat.png") });

    expect(errors).toEqual([]);
    await context.close();
  });
});
