// The web app on a server with accounts: the first visit creates the admin account, then sign out and in.
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ParleyProcess, startParley, temporaryDirectory } from "../support/parley-process.js";
import { writeTestModels } from "../support/test-models.js";
import {
  ALPHABET,
  artifactPath,
  ensureWebAppBuilt,
  lastReply,
  launchChromium,
  newChatPage,
  sendMessage,
  useBrowserTestTimeouts,
} from "./browser-test-support.js";

let parley: ParleyProcess;
let browser: Browser;

useBrowserTestTimeouts();

beforeAll(async () => {
  ensureWebAppBuilt();
  const dir = temporaryDirectory();
  await writeTestModels(dir);
  // Only the tiny model: the page sends with "auto" before any model is ready, and with tiny-loop served too,
  // auto would pick whichever engine became ready first (the looping one answers with the alphabet over and over).
  writeFileSync(
    path.join(dir, "parley.config.yaml"),
    ["engine:", "  threads: 1", "models:", "  - id: tiny", "    file: ./tiny.gguf"].join("\n"),
  );
  [parley, browser] = await Promise.all([
    startParley({ dataDir: dir, accounts: true, waitForModels: false }),
    launchChromium(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await parley?.stop();
});

describe("accounts in the web app", () => {
  it("creates the admin account on first visit, chats, signs out, and signs back in", async () => {
    const { context, page, errors } = await newChatPage(browser, parley.url);
    await page.goto("/");
    await page.getByRole("heading", { name: "Create the admin account" }).waitFor();
    await page.screenshot({ path: artifactPath("first-run-setup.png") });
    await page.getByLabel("Email").fill("admin@example.com");
    await page.getByLabel("Password").fill("correct horse battery staple");
    await page.getByRole("button", { name: "Create account" }).click();

    await page.getByRole("textbox", { name: "Message" }).waitFor();
    expect(await page.locator(".account-name").textContent()).toBe("admin@example.com");
    // The server was not waited for: its models may still be starting, and the page says so until they are ready.
    await page.getByRole("textbox", { name: "Message" }).fill("hello");
    await expect.poll(() => page.getByRole("button", { name: "Send" }).isEnabled()).toBe(true);
    await sendMessage(page, "hello");
    await expect.poll(() => lastReply(page).getAttribute("data-status")).toBe("complete");
    expect((await lastReply(page).locator(".markdown").textContent())?.trim()).toBe(ALPHABET);

    await page.getByRole("button", { name: "Settings" }).click();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to Parley" }).waitFor();

    await page.getByLabel("Email").fill("admin@example.com");
    await page.getByLabel("Password").fill("wrong password, long enough");
    await page.getByRole("button", { name: "Sign in" }).click();
    expect(await page.getByRole("alert").textContent()).toBe("The email or the password is wrong.");

    await page.getByLabel("Password").fill("correct horse battery staple");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("link", { name: "hello" }).waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });
});
