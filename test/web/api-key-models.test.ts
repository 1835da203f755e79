// A key held to some models, made on the keys page of a server serving two remote models: the form offers the
// models and the bots the user can chat with, the list shows the key's, the admin's dialog of the user's keys shows
// them too, and the server holds it.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ParleyProcess } from "../support/parley-process.js";
import { faultModel, openAIProvider } from "../support/remote-config.js";
import { startRemoteParley } from "../support/remote-parley.js";
import {
  artifactPath,
  ensureWebAppBuilt,
  launchChromium,
  newChatPage,
  signInContext,
  useBrowserTestTimeouts,
} from "./browser-test-support.js";

const ADMIN = { email: "admin@example.com", password: "admin-password-long" };
const USER = { email: "scripts@example.com", password: "scripts-password-long" };

useBrowserTestTimeouts();
let parley: ParleyProcess;
let browser: Browser;
let stopServer: () => Promise<void>;

beforeAll(async () => {
  ensureWebAppBuilt();
  const served = await startRemoteParley(
    (upstream) => ({
      providers: [
        openAIProvider("upstream", upstream, [
          faultModel("smart", "ok@smart", { tier: "smart" }),
          faultModel("cheap", "ok@cheap", { tier: "fast" }),
        ]),
      ],
    }),
    { parley: { accounts: true, waitForModels: false } },
  );
  ({ parley } = served);
  stopServer = served.stop;
  browser = await launchChromium();
  const post = (pathname: string, body: unknown, cookie?: string) =>
    parley.api(pathname, {
      method: "POST",
      headers: { "content-type": "application/json", ...(cookie && { cookie }) },
      body: JSON.stringify(body),
    });
  const setup = await post("/api/auth/setup", ADMIN);
  const cookie = (setup.headers.get("set-cookie") ?? "").split(";")[0] as string;
  expect((await post("/api/users", USER, cookie)).status).toBe(201);
  // The admin's bots: one shared with everyone, which the user can chat with, and a private one, which they cannot.
  for (const bot of [
    { name: "Team digest", visibility: "everyone" },
    { name: "Admin notes", visibility: "private" },
  ]) {
    expect((await post("/api/bots", { ...bot, instructions: "Be brief." }, cookie)).status).toBe(201);
  }
});

/** The built-in bots, shared with everyone. */
const BUILT_IN_BOTS = ["bot:code-tutor", "bot:tech-article-translator", "bot:topic-explorer"];

afterAll(async () => {
  await browser?.close();
  await stopServer?.();
});

describe("a key held to some models on the keys page", () => {
  it("is made by ticking its models, listed with them (others with all models), and the server holds it to them", async () => {
    const { context, page, errors } = await newChatPage(browser, parley.url);
    await signInContext(context, parley.url, USER);
    await page.goto("/settings/keys");
    await page.getByRole("heading", { name: "API keys", level: 1 }).waitFor();
    const models = page.getByRole("group", { name: "Models" });
    // `auto`, the catalog's models and the bots the user can chat with, none ticked: a key for every model unless
    // some are chosen.
    await models.getByRole("checkbox", { name: /cheap/ }).waitFor();
    await models.getByRole("checkbox", { name: /bot:team-digest/ }).waitFor();
    const offered = await models.locator("code").allTextContents();
    expect(offered.slice(0, 3)).toEqual(["auto", "smart", "cheap"]);
    expect(offered.slice(3).sort()).toEqual([...BUILT_IN_BOTS, "bot:team-digest"].sort());
    expect(await models.getByRole("checkbox", { checked: true }).count()).toBe(0);

    await page.getByRole("textbox", { name: "Key name" }).fill("cheap script");
    await models.getByRole("checkbox", { name: /cheap/ }).check();
    await models.getByRole("checkbox", { name: /^auto/ }).check();
    await page.screenshot({ path: artifactPath("api-key-models.png") });
    await page.getByRole("button", { name: "Create key" }).click();
    const key = await page.getByRole("textbox", { name: "New API key" }).inputValue();
    await page.getByRole("button", { name: "Done, I have copied it" }).click();

    const row = page.getByRole("row", { name: /cheap script/ });
    // In the list's order, `auto` first, whatever the order they were ticked in.
    await expect.poll(() => row.locator("td").nth(5).textContent()).toBe("auto, cheap");

    await page.getByRole("textbox", { name: "Key name" }).fill("everything");
    // The form was emptied for the next key: nothing ticked, so this one may use every model.
    expect(await models.getByRole("checkbox", { checked: true }).count()).toBe(0);
    await page.getByRole("button", { name: "Create key" }).click();
    await page.getByRole("button", { name: "Done, I have copied it" }).click();
    const everything = page.getByRole("row", { name: /everything/ });
    await expect.poll(() => everything.locator("td").nth(5).textContent()).toBe("All models");
    await page.screenshot({ path: artifactPath("api-key-models-listed.png"), fullPage: true });

    const listed = (await (
      await fetch(`${parley.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })
    ).json()) as { data: { id: string }[] };
    expect(listed.data.map((model) => model.id)).toEqual(["auto", "cheap"]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("offers the user's own bots and those shared with them beside the models, and makes a key held to one", async () => {
    const { context, page, errors } = await newChatPage(browser, parley.url);
    await signInContext(context, parley.url, USER);
    const own = await context.request.post(`${parley.url}/api/bots`, {
      data: { name: "Release notes", instructions: "Write release notes." },
      headers: { origin: parley.url },
    });
    expect(own.status()).toBe(201);
    await page.goto("/settings/keys");
    const models = page.getByRole("group", { name: "Models" });
    const ownBot = models.getByRole("checkbox", {
      name: "bot:release-notes — the bot “Release notes”, answering with its own model",
    });
    await ownBot.waitFor();
    expect((await models.locator("code").allTextContents()).slice(3).sort()).toEqual(
      [...BUILT_IN_BOTS, "bot:release-notes", "bot:team-digest"].sort(),
    );

    await page.getByRole("textbox", { name: "Key name" }).fill("release bot");
    await ownBot.check();
    await page.screenshot({ path: artifactPath("api-key-bot.png") });
    await page.getByRole("button", { name: "Create key" }).click();
    const key = await page.getByRole("textbox", { name: "New API key" }).inputValue();
    await page.getByRole("button", { name: "Done, I have copied it" }).click();
    const row = page.getByRole("row", { name: /release bot/ });
    await expect.poll(() => row.locator("td").nth(5).textContent()).toBe("bot:release-notes");

    const listed = (await (
      await fetch(`${parley.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })
    ).json()) as { data: { id: string }[] };
    expect(listed.data.map((model) => model.id)).toEqual(["bot:release-notes"]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("shows the admin each key's models in the dialog of the user's keys", async () => {
    const { context, page, errors } = await newChatPage(browser, parley.url);
    await signInContext(context, parley.url, ADMIN);
    await page.goto("/settings/users");
    await page.getByRole("button", { name: `API keys of ${USER.email}` }).click();
    const dialog = page.getByRole("dialog", { name: `API keys of ${USER.email}` });
    const limited = dialog.getByRole("row", { name: /cheap script/ });
    await expect.poll(() => limited.locator("td").nth(3).textContent()).toBe("auto, cheap");
    expect(
      await dialog
        .getByRole("row", { name: /everything/ })
        .locator("td")
        .nth(3)
        .textContent(),
    ).toBe("All models");
    await page.screenshot({ path: artifactPath("user-keys-models.png") });
    expect(errors).toEqual([]);
    await context.close();
  });
});
