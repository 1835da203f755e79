// The model picker shows each model's live availability, in a real browser against a real `parley serve` whose
// remote models are served by the fault upstream: a model with one of its two servers shut out by its breaker is
// marked degraded (muted, still choosable), and a model whose only server keeps failing is disabled, saying why.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CatalogListing } from "../../src/runs/model-catalog.js";
import { ask } from "../support/ask-parley.js";
import { type FaultUpstream, startFaultUpstream } from "../support/fault-upstream.js";
import { type ParleyProcess, startParley, temporaryDirectory } from "../support/parley-process.js";
import { faultModel, openAIProvider, writeRemoteConfig } from "../support/remote-config.js";
import { unusedPort } from "../support/unused-port.js";
import {
  artifactPath,
  ensureWebAppBuilt,
  launchChromium,
  newChatPage,
  useBrowserTestTimeouts,
} from "./browser-test-support.js";

let upstream: FaultUpstream;
let parley: ParleyProcess;
let browser: Browser;

useBrowserTestTimeouts();

const DEGRADED = "Some of its servers are failing: replies may be slower, or come from a fallback model";
const UNAVAILABLE =
  "Unavailable right now: its servers keep failing, so Parley is not calling it for a while";

beforeAll(async () => {
  ensureWebAppBuilt();
  upstream = await startFaultUpstream();
  const dir = temporaryDirectory();
  writeRemoteConfig(dir, {
    // Two failed calls open a breaker, and it stays open while the test looks.
    failover: { maxAttempts: 2, breakerFailureThreshold: 2, breakerCoolDownMs: 600_000 },
    providers: [
      openAIProvider("openai-like", upstream, [
        faultModel("steady", "ok@steady", { tier: "fast" }),
        faultModel("broken", "503@broken", { tier: "fast" }),
      ]),
      // Two servers for one model; nothing listens at the first.
      openAIProvider("fleet", upstream, [faultModel("fleet", "ok@fleet")], {
        baseURL: undefined,
        endpoints: [`http://127.0.0.1:${await unusedPort()}/v1`, upstream.openAIBaseURL],
      }),
    ],
  });
  [parley, browser] = await Promise.all([startParley({ dataDir: dir }), launchChromium()]);
  // One reply each opens the breakers: every call to `broken` fails, and so does every call to fleet's first server.
  expect((await ask(parley, "broken", "fail")).end?.event).toBe("run.error");
  expect((await ask(parley, "fleet", "half")).end).toMatchObject({
    event: "run.end",
    data: { model: "fleet" },
  });
  const { models } = await parley.json<{ models: CatalogListing[] }>("/api/models");
  expect(models.map((model) => [model.id, model.availability])).toEqual([
    ["steady", "available"],
    ["broken", "unavailable"],
    ["fleet", "degraded"],
  ]);
});

afterAll(async () => {
  await browser?.close();
  await parley?.stop();
  await upstream?.close();
});

async function openPicker(page: Page): Promise<void> {
  await page.goto("/");
  await page.getByRole("button", { name: /^(Model|模型)/ }).click();
  await page.getByRole("listbox").waitFor();
}

const option = (page: Page, id: string) => page.locator(`[role="option"][data-model-id="${id}"]`);

describe("the model picker shows availability", () => {
  it("disables an unavailable model with the reason, marks a degraded one, and leaves an available one plain", async () => {
    const { context, page, errors } = await newChatPage(browser, parley.url);
    await openPicker(page);

    const broken = option(page, "broken");
    expect(await broken.getAttribute("aria-disabled")).toBe("true");
    expect(await broken.getAttribute("title")).toBe(UNAVAILABLE);
    expect(await broken.locator(".model-option-reason").textContent()).toBe(UNAVAILABLE);

    const fleet = option(page, "fleet");
    expect(await fleet.getAttribute("aria-disabled")).toBeNull();
    expect(await fleet.getAttribute("title")).toBe(DEGRADED);
    expect(await fleet.getByRole("img", { name: DEGRADED }).count()).toBe(1);
    // Muted: the mark is drawn in the warning colour, but faded.
    expect(
      Number(
        await fleet.locator(".model-availability-mark").evaluate((mark) => getComputedStyle(mark).opacity),
      ),
    ).toBeLessThan(1);
    expect(await fleet.locator(".model-option-reason").count()).toBe(0);

    const steady = option(page, "steady");
    expect(await steady.getAttribute("aria-disabled")).toBeNull();
    expect(await steady.getAttribute("title")).toBeNull();
    expect(await steady.locator(".model-availability-mark").count()).toBe(0);
    await page.screenshot({ path: artifactPath("model-availability.png") });

    // Clicking the unavailable model does nothing, and the arrow keys go past it (auto, steady, then fleet).
    await broken.click({ force: true });
    expect(await broken.getAttribute("aria-selected")).toBe("false");
    expect(await page.getByRole("listbox").count()).toBe(1);
    await option(page, "auto").focus();
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.modelId)).toBe(
      "fleet",
    );

    // The degraded model can still be chosen, and the header keeps its mark.
    await fleet.click();
    const button = page.getByRole("button", { name: "Model: fleet" });
    await button.waitFor();
    expect(await button.getByRole("img", { name: DEGRADED }).count()).toBe(1);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("says the same in Chinese", async () => {
    const { context, page, errors } = await newChatPage(browser, parley.url, { locale: "zh-CN" });
    await openPicker(page);
    const unavailable = "暂时不可用：它的服务器接连出错，Parley 暂停调用它一段时间";
    expect(await option(page, "broken").locator(".model-option-reason").textContent()).toBe(unavailable);
    expect(await option(page, "broken").getAttribute("aria-disabled")).toBe("true");
    expect(
      await option(page, "fleet")
        .getByRole("img", { name: "部分服务器出现故障：回复可能变慢，或由备用模型给出" })
        .count(),
    ).toBe(1);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("sends nothing before the model list has come, and sends once it has", async () => {
    const { context, page, errors } = await newChatPage(browser, parley.url);
    // The list is held back, as on a server still busy starting its engines.
    let releaseModels: () => void = () => {};
    const modelsHeld = new Promise<void>((resolve) => {
      releaseModels = resolve;
    });
    await page.route("**/api/models", async (route) => {
      await modelsHeld;
      await route.continue();
    });
    await page.goto("/");
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill("hello");
    const send = page.getByRole("button", { name: "Send" });
    expect(await send.isDisabled()).toBe(true);
    await box.press("Enter");
    expect(await page.locator(".user-message").count()).toBe(0);
    expect(await box.inputValue()).toBe("hello");

    releaseModels();
    await expect.poll(() => send.isEnabled()).toBe(true);
    await box.press("Enter");
    await page.locator(".user-message").first().waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });
});
