// Image attachments in a real browser against a real `parley serve` with accounts, whose models are served by the
// fault upstream (one sees images, one reads text only): attaching by the button, by paste and by drop, the
// upload's pending state, refusals in the server's words, the images reaching the upstream as image_url parts,
// thumbnails in the thread (loaded with the session cookie) that open larger and survive a reload, edits that keep
// the images, and the warning before images go to a model that cannot see them.
import type { Browser, BrowserContextOptions, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JPEG_3X2, samplePng, WEBP_LOSSY_3X2 } from "../../src/files/test-support/sample-images.js";
import { type FaultUpstream, imagePartsOf, startFaultUpstream } from "../support/fault-upstream.js";
import { type ParleyProcess, startParley, temporaryDirectory } from "../support/parley-process.js";
import { faultModel, openAIProvider, writeRemoteConfig } from "../support/remote-config.js";
import {
  artifactPath,
  chooseModel,
  ensureWebAppBuilt,
  lastReply,
  launchChromium,
  newChatPage,
  useBrowserTestTimeouts,
} from "./browser-test-support.js";

let upstream: FaultUpstream;
let parley: ParleyProcess;
let browser: Browser;
/** The admin's session, made once on the first-run page. */
let signedIn: BrowserContextOptions["storageState"];

useBrowserTestTimeouts();

beforeAll(async () => {
  ensureWebAppBuilt();
  upstream = await startFaultUpstream();
  const dir = temporaryDirectory();
  writeRemoteConfig(dir, {
    providers: [
      openAIProvider("openai-like", upstream, [
        faultModel("vision", "ok@vision", { modalities: ["text", "image"] }),
        faultModel("reader", "ok@reader", { tier: "fast", pricing: { input: 0.1, output: 0.2 } }),
      ]),
    ],
  });
  [parley, browser] = await Promise.all([
    startParley({ dataDir: dir, accounts: true, waitForModels: false }),
    launchChromium(),
  ]);
  const { context, page } = await newChatPage(browser, parley.url);
  await page.goto("/");
  await page.getByLabel("Email").fill("admin@example.com");
  await page.getByLabel("Password").fill("correct horse battery staple");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("textbox", { name: "Message" }).waitFor();
  signedIn = await context.storageState();
  await context.close();
});

afterAll(async () => {
  await browser?.close();
  await parley?.stop();
  await upstream?.close();
});

const PNG_40X30 = samplePng(40, 30, [30, 120, 220]);

const dataUrl = (bytes: Uint8Array, type: string) =>
  `data:${type};base64,${Buffer.from(bytes).toString("base64")}`;

async function openChat() {
  const opened = await newChatPage(browser, parley.url, { storageState: signedIn });
  await opened.page.goto("/");
  await opened.page.getByRole("textbox", { name: "Message" }).waitFor();
  return opened;
}

/** Picks files with the attach button, as a user does in the file dialog. */
async function attachByButton(page: Page, files: { name: string; mimeType: string; buffer: Buffer }[]) {
  const chooser = page.waitForEvent("filechooser");
  await page.getByRole("button", { name: "Attach images" }).click();
  await (await chooser).setFiles(files);
}

/** A paste into the message box of a clipboard holding one file (as a screenshot tool leaves it). */
async function pasteFile(page: Page, bytes: Buffer, name: string, type: string) {
  await page.getByRole("textbox", { name: "Message" }).evaluate(
    (box, file) => {
      const clipboard = new DataTransfer();
      const binary = Uint8Array.from(atob(file.base64), (char) => char.charCodeAt(0));
      clipboard.items.add(new File([binary], file.name, { type: file.type }));
      box.dispatchEvent(
        new ClipboardEvent("paste", { clipboardData: clipboard, bubbles: true, cancelable: true }),
      );
    },
    { base64: bytes.toString("base64"), name, type },
  );
}

/** Drags one file over the chat (the drop overlay shows) and drops it there. */
async function dropFile(page: Page, bytes: Buffer, name: string, type: string) {
  const transfer = await page.evaluateHandle(
    (file) => {
      const data = new DataTransfer();
      const binary = Uint8Array.from(atob(file.base64), (char) => char.charCodeAt(0));
      data.items.add(new File([binary], file.name, { type: file.type }));
      return data;
    },
    { base64: bytes.toString("base64"), name, type },
  );
  const target = page.locator(".chat-header");
  await target.dispatchEvent("dragenter", { dataTransfer: transfer });
  await target.dispatchEvent("dragover", { dataTransfer: transfer });
  expect(await page.locator(".drop-overlay").textContent()).toBe("Drop images to attach them");
  await target.dispatchEvent("drop", { dataTransfer: transfer });
  expect(await page.locator(".drop-overlay").count()).toBe(0);
}

/** The composer's chips that finished uploading, by the name each image was picked with. */
function readyChips(page: Page) {
  return page.locator(".composer-images .image-chip[data-state=ready] img");
}

/** The natural widths of the images a locator finds: 0 for one whose bytes did not load. */
function loadedWidths(images: ReturnType<Page["locator"]>) {
  return images.evaluateAll((elements) =>
    elements.map((element) => (element as HTMLImageElement).naturalWidth),
  );
}

/** The image parts of the last user message the upstream got for `model`, as data URLs. */
function imageUrlsSentTo(model: string): string[] {
  const request = upstream.requestsFor(model).at(-1);
  const messages = request?.body.messages as { role: string; content: unknown }[] | undefined;
  const user = messages?.filter((message) => message.role === "user").at(-1);
  return imagePartsOf(user?.content).map((part) => {
    expect(part.type).toBe("image_url");
    return String((part.image_url as { url: unknown }).url);
  });
}

describe("image attachments", () => {
  it("uploads an image picked with the attach button (Send waits for it), sends it as a new chat's first message, and the upstream gets its bytes as an image_url part", async () => {
    const { context, page, errors } = await openChat();
    await chooseModel(page, "vision");
    await page.getByRole("textbox", { name: "Message" }).fill("What colour is this?");

    // The upload is held at the network until the test lets it go: meanwhile the chip is pending.
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route("**/api/files", async (route) => {
      await held;
      await route.continue();
    });
    await attachByButton(page, [{ name: "blue.png", mimeType: "image/png", buffer: PNG_40X30 }]);
    await page.getByRole("progressbar", { name: "Uploading blue.png" }).waitFor();
    expect(await page.getByRole("button", { name: "Send" }).isDisabled()).toBe(true);
    // While it uploads, the chip already shows the picture, from the browser's own copy (the page's CSP allows blob:).
    const preview = page.locator('.image-chip[data-state="uploading"] img');
    expect(await preview.getAttribute("src")).toMatch(/^blob:/);
    await expect.poll(() => preview.evaluate((image: HTMLImageElement) => image.naturalWidth)).toBe(40);
    release();
    await expect.poll(() => loadedWidths(readyChips(page))).toEqual([40]);
    expect(await readyChips(page).getAttribute("alt")).toBe("blue.png");
    expect(await page.getByRole("button", { name: "Send" }).isEnabled()).toBe(true);
    await page.unroute("**/api/files");

    await page.getByRole("textbox", { name: "Message" }).press("Enter");
    await expect.poll(() => lastReply(page).getAttribute("data-status")).toBe("complete");
    expect((await lastReply(page).locator(".markdown").textContent())?.trim()).toBe(
      upstream.replyText("ok@vision"),
    );
    expect(imageUrlsSentTo("ok@vision")).toEqual([dataUrl(PNG_40X30, "image/png")]);
    expect(page.url()).toMatch(/\/c\/conv_/);
    expect(await page.locator(".composer-images").count()).toBe(0);

    // The sent message shows it, its bytes read back from GET /api/files/:id with the session cookie.
    const sent = page.locator(".user-message .message-images img");
    await expect.poll(() => loadedWidths(sent)).toEqual([40]);
    expect(await page.locator(".user-bubble").textContent()).toBe("What colour is this?");
    await page.screenshot({ path: artifactPath("image-attachments-thread.png") });

    // A thumbnail opens the image larger, in a dialog that Esc closes.
    await page.getByRole("button", { name: "Open image blue.png" }).click();
    const viewer = page.getByRole("dialog", { name: "blue.png" });
    await viewer.waitFor();
    await expect.poll(() => loadedWidths(viewer.locator("img"))).toEqual([40]);
    expect(await viewer.locator("figcaption").textContent()).toContain("40 × 30 px");
    await page.screenshot({ path: artifactPath("image-attachments-viewer.png") });
    await page.keyboard.press("Escape");
    await expect.poll(() => viewer.count()).toBe(0);

    // After a reload the thread comes from GET /api/conversations/:id, with the message's attachments.
    await page.reload();
    await expect.poll(() => lastReply(page).getAttribute("data-status")).toBe("complete");
    await expect.poll(() => loadedWidths(page.locator(".user-message .message-images img"))).toEqual([40]);
    expect(await page.getByRole("button", { name: "Open image blue.png" }).count()).toBe(1);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("attaches images by paste and by drop, sends them without text, and an edit of the message keeps them", async () => {
    const { context, page, errors } = await openChat();
    await chooseModel(page, "vision");
    await pasteFile(page, JPEG_3X2, "pasted.jpg", "image/jpeg");
    await dropFile(page, WEBP_LOSSY_3X2, "dropped.webp", "image/webp");
    await expect
      .poll(() => readyChips(page).evaluateAll((images) => images.map((image) => image.getAttribute("alt"))))
      .toEqual(["pasted.jpg", "dropped.webp"]);
    await expect.poll(() => loadedWidths(readyChips(page))).toEqual([3, 3]);
    expect(await page.getByRole("textbox", { name: "Message" }).inputValue()).toBe("");
    await page.screenshot({ path: artifactPath("image-attachments-composer.png") });

    // A message of images alone.
    await page.getByRole("button", { name: "Send" }).click();
    await expect.poll(() => lastReply(page).getAttribute("data-status")).toBe("complete");
    const images = [dataUrl(JPEG_3X2, "image/jpeg"), dataUrl(WEBP_LOSSY_3X2, "image/webp")];
    expect(imageUrlsSentTo("ok@vision")).toEqual(images);
    expect(await page.locator(".user-bubble").count()).toBe(0);
    await expect.poll(() => loadedWidths(page.locator(".user-message .message-images img"))).toEqual([3, 3]);

    // The edited copy carries the same images, and says what to do with them.
    const message = page.locator(".user-message").first();
    await message.hover();
    await message.getByRole("button", { name: "Edit" }).click();
    expect(await page.locator(".user-edit .message-images img").count()).toBe(2);
    const editor = page.getByRole("textbox", { name: "Edit message" });
    await editor.fill("Which one is brighter?");
    await editor.press("Enter");
    await expect.poll(() => page.locator(".user-bubble").textContent()).toBe("Which one is brighter?");
    await expect.poll(() => lastReply(page).getAttribute("data-status")).toBe("complete");
    expect(await page.locator(".user-message .branch-position").textContent()).toBe("2 / 2");
    expect(imageUrlsSentTo("ok@vision")).toEqual(images);
    await expect.poll(() => loadedWidths(page.locator(".user-message .message-images img"))).toEqual([3, 3]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("shows the server's refusal of a file that is not an image, or too large, and attaches neither", async () => {
    const { context, page, errors } = await openChat();
    await attachByButton(page, [
      { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("not a picture\n") },
      {
        name: "huge.png",
        mimeType: "image/png",
        buffer: Buffer.concat([PNG_40X30, Buffer.alloc(5 * 1024 * 1024)]),
      },
    ]);
    const refusals = page.locator(".composer-refusal");
    await expect.poll(() => refusals.count()).toBe(2);
    const texts = await refusals.allTextContents();
    expect(texts[0]).toMatch(
      /^notes\.txt was not attached: The file is not an image Parley can read: only PNG, JPEG, GIF or WebP images/,
    );
    expect(texts[1]).toMatch(/^huge\.png was not attached: .*5 MB/);
    expect(await page.locator(".composer-images").count()).toBe(0);
    expect(await page.getByRole("button", { name: "Send" }).isDisabled()).toBe(true);

    await refusals.first().getByRole("button", { name: "Dismiss" }).click();
    await expect.poll(() => refusals.count()).toBe(1);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("warns before images go to a model that cannot see them, shows the server's 400 when sent anyway, and Auto sends them to one that can", async () => {
    const { context, page, errors } = await openChat();
    await chooseModel(page, "reader");
    await attachByButton(page, [{ name: "blue.png", mimeType: "image/png", buffer: PNG_40X30 }]);
    const warning = page.locator(".composer-warning");
    await expect
      .poll(() => warning.locator("span").textContent())
      .toBe("reader cannot see images. Choose Auto to send them to a model that can (vision).");
    await expect.poll(() => loadedWidths(readyChips(page))).toEqual([40]);

    // Sent anyway: the server refuses it, says why, and the message comes back to the box to be sent elsewhere.
    const requestsBefore = upstream.requests.length;
    await page.getByRole("textbox", { name: "Message" }).fill("What is this?");
    await page.getByRole("button", { name: "Send" }).click();
    await expect
      .poll(() => page.locator(".notice span").textContent())
      .toMatch(/^Your message was not sent: Model "reader" cannot see images.*Models that can: "vision"/);
    await expect
      .poll(() => page.getByRole("textbox", { name: "Message" }).inputValue())
      .toBe("What is this?");
    await expect.poll(() => loadedWidths(readyChips(page))).toEqual([40]);
    expect(upstream.requests.length).toBe(requestsBefore);
    await page.screenshot({ path: artifactPath("image-attachments-warning.png") });

    await warning.getByRole("button", { name: "Use Auto" }).click();
    await page.getByRole("button", { name: "Model: Auto" }).waitFor();
    expect(await warning.count()).toBe(0);
    await page.getByRole("button", { name: "Send" }).click();
    await expect.poll(() => lastReply(page).getAttribute("data-status")).toBe("complete");
    expect((await lastReply(page).locator(".markdown").textContent())?.trim()).toBe(
      upstream.replyText("ok@vision"),
    );
    expect(imageUrlsSentTo("ok@vision")).toEqual([dataUrl(PNG_40X30, "image/png")]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
