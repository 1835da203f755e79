/** Shared by the browser tests: a built web app, Debian's chromium through playwright-core, and an artifacts folder. */
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page,
} from "playwright-core";
import { afterAll, beforeAll, vi } from "vitest";
import { type ParleyProcess, REPO_ROOT, startParley, temporaryDirectory } from "../support/parley-process.js";
import { writeTestModels } from "../support/test-models.js";

export const ARTIFACTS_DIR = path.join(REPO_ROOT, "test/web/artifacts");
export { ALPHABET } from "../support/sse-client.js";

/**
 * A browser, a server and its engines share two cores with whatever else runs: waits are generous, so a busy
 * machine makes these tests slower, not red.
 */
export function useBrowserTestTimeouts(): void {
  vi.setConfig({
    testTimeout: 120_000,
    hookTimeout: 120_000,
    expect: { poll: { timeout: 20_000, interval: 50 } },
  });
}

/** Builds web/dist if its sources changed; in a child process, as `npm start` does, so vite never loads in a test worker. */
export function ensureWebAppBuilt(): void {
  execFileSync(process.execPath, ["--import", "tsx", "scripts/build-web-if-stale.ts"], {
    cwd: REPO_ROOT,
    stdio: "pipe",
  });
}

/**
 * The tiny models and a config serving them, with the looping one writing up to ~4000 tokens (a few seconds):
 * long enough to stop, cut or reload a reply mid-way even on a busy machine.
 */
export async function writeBrowserTestModels(dir: string): Promise<void> {
  await writeTestModels(dir, { sequences: 2, contextSize: 4096, maxOutputTokens: 4000 });
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export async function newChatPage(
  browser: Browser,
  baseURL: string,
  options: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({
    baseURL,
    viewport: { width: 1280, height: 800 },
    locale: "en-US",
    colorScheme: "light",
    reducedMotion: "reduce",
    ...options,
  });
  const page = await context.newPage();
  // Uncaught errors in the page fail the test that looks at them.
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  return { context, page, errors };
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return path.join(ARTIFACTS_DIR, name);
}

/** Picks a model in the header's picker. */
export async function chooseModel(page: Page, modelId: string): Promise<void> {
  await page.getByRole("button", { name: /^Model:/ }).click();
  await page.locator(`[role="option"][data-model-id="${modelId}"]`).click();
  await page.getByRole("button", { name: new RegExp(`^Model: ${modelId}$`) }).waitFor();
}

/** Types the message and sends it, once the page can send (its model list has come and a model is ready). */
export async function sendMessage(page: Page, text: string): Promise<void> {
  const box = page.getByRole("textbox", { name: "Message" });
  await box.fill(text);
  await page.locator("button.composer-button:not(.is-stop):enabled").waitFor();
  await box.press("Enter");
}

/** The last assistant reply on the page. */
export function lastReply(page: Page) {
  return page.locator(".assistant-message").last();
}

/** Only the letters of a text: Markdown turns the model's newlines into <br>, so compare what was written. */
export function lettersOf(text: string | null): string {
  return (text ?? "").replace(/[^a-z]/g, "");
}

export type StoredMessage = {
  id: string;
  role: string;
  content: string;
  status: string;
  parentId: string | null;
};

export function conversationIdOf(page: Page): string {
  const match = /\/c\/([^/?#]+)/.exec(page.url());
  if (!match?.[1]) throw new Error(`not on a conversation page: ${page.url()}`);
  return decodeURIComponent(match[1]);
}

type Credentials = { email: string; password: string };

/**
 * A server with accounts and its first admin, made through the setup route, and a browser. No models: the account
 * pages need none, and a request past a limit is refused before any model is asked.
 */
async function startWithAdmin(admin: Credentials): Promise<{ parley: ParleyProcess; browser: Browser }> {
  ensureWebAppBuilt();
  const [parley, browser] = await Promise.all([
    startParley({ dataDir: temporaryDirectory(), accounts: true, waitForModels: false }),
    launchChromium(),
  ]);
  const setup = await parley.api("/api/auth/setup", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(admin),
  });
  if (setup.status >= 300) throw new Error(`Setting up the admin answered ${setup.status}.`);
  return { parley, browser };
}

/**
 * For a test file of account pages: a server with accounts and its first admin, and a browser, started before the
 * file's tests and stopped after them, with the browser tests' timeouts. Read `parley` and `browser` in the tests.
 */
export function useServerWithAdmin(admin: Credentials): {
  readonly parley: ParleyProcess;
  readonly browser: Browser;
} {
  useBrowserTestTimeouts();
  const started = {} as { parley: ParleyProcess; browser: Browser };
  beforeAll(async () => {
    Object.assign(started, await startWithAdmin(admin));
  });
  afterAll(async () => {
    await started.browser?.close();
    await started.parley?.stop();
  });
  return started;
}

/** Signs the browser context in: its pages then carry the session cookie. */
export async function signInContext(context: BrowserContext, baseURL: string, credentials: Credentials) {
  const login = await context.request.post(`${baseURL}/api/auth/login`, {
    data: credentials,
    headers: { origin: baseURL },
  });
  if (login.status() !== 200) throw new Error(`Signing in answered ${login.status()}.`);
}
