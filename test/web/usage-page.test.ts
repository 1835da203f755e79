// The usage page with embeddings and prompt caching: a real `parley serve` (single-user) with remote chat models on a
// fault upstream (one of them Anthropic's, reporting what its prompt cache served and stored) and a remote embedding
// model on a fake embedding server, all on real HTTP, read in Chromium.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callAs } from "../support/call-as.js";
import { type EmbeddingsUpstream, startEmbeddingsUpstream } from "../support/embeddings-upstream.js";
import { CACHE_READ_TOKENS, CACHE_WRITE_TOKENS } from "../support/fault-upstream.js";
import { anthropicProvider, faultModel, openAIProvider } from "../support/remote-config.js";
import { type RemoteParley, startRemoteParley } from "../support/remote-parley.js";
import {
  artifactPath,
  ensureWebAppBuilt,
  launchChromium,
  newChatPage,
  useBrowserTestTimeouts,
} from "./browser-test-support.js";

let embeddingServer: EmbeddingsUpstream;
let served: RemoteParley;
let browser: Browser;

useBrowserTestTimeouts();

beforeAll(async () => {
  ensureWebAppBuilt();
  embeddingServer = await startEmbeddingsUpstream();
  [served, browser] = await Promise.all([
    startRemoteParley((upstream) => ({
      providers: [
        openAIProvider("chats", upstream, [faultModel("chat", "ok@chat")]),
        anthropicProvider("anthropic", upstream, [faultModel("claude", "cached@claude")]),
        {
          id: "embedder",
          type: "openai-compatible",
          baseURL: embeddingServer.baseURL,
          models: [{ id: "embed", upstreamModel: "shortens@embed", embedding: true }],
        },
      ],
    })),
    launchChromium(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await served?.stop();
  await embeddingServer?.close();
});

/** The usage table's rows by model: each cell's text, by column heading. */
async function usageRows(page: Page): Promise<Record<string, Record<string, string>>> {
  const table = page.getByRole("table", { name: "Usage by day and model" });
  await table.waitFor();
  const headings = await table.locator("thead th").allTextContents();
  const rows: Record<string, Record<string, string>> = {};
  for (const row of await table.locator("tbody tr").all()) {
    const cells = await row.locator("td").allTextContents();
    const byHeading = Object.fromEntries(headings.map((heading, index) => [heading, cells[index] ?? ""]));
    rows[byHeading.Model ?? ""] = byHeading;
  }
  return rows;
}

function total(page: Page, name: string) {
  return page.locator(".usage-totals > div").filter({ hasText: name }).locator("dd");
}

describe("the usage page", () => {
  it("counts embedding requests apart from replies, in the totals and by model, once there are any", async () => {
    const { parley } = served;
    const chat = await callAs(parley, {}, "/v1/chat/completions", {
      body: { model: "chat", messages: [{ role: "user", content: "count me" }] },
    });
    expect(chat.status).toBe(200);

    const { context, page, errors } = await newChatPage(browser, parley.url);
    await page.goto("/settings/usage");
    expect(Object.keys(await usageRows(page))).toEqual(["chat"]);
    expect(await total(page, "Replies").textContent()).toBe("1");
    // No embedding request yet: no count of them either.
    expect(await page.getByText("Embedding requests", { exact: true }).count()).toBe(0);

    for (const input of ["one text", "another text"]) {
      const embedded = await callAs(parley, {}, "/v1/embeddings", { body: { model: "embed", input } });
      expect(embedded.status).toBe(200);
    }
    await page.reload();
    const rows = await usageRows(page);
    expect(rows.chat).toMatchObject({ Replies: "1", "Embedding requests": "0" });
    expect(rows.embed).toMatchObject({ Replies: "0", "Embedding requests": "2", "Input tokens": "4" });
    expect(await total(page, "Replies").textContent()).toBe("1");
    expect(await total(page, "Embedding requests").textContent()).toBe("2");
    await page.screenshot({ path: artifactPath("usage-embeddings.png") });
    expect(errors).toEqual([]);
    await context.close();
  });

  it("shows what the prompt cache served and stored, in the totals and by model, only once a reply used it", async () => {
    const { parley } = served;
    const reply = async (model: string) => {
      const response = await callAs(parley, {}, "/v1/chat/completions", {
        body: { model, messages: [{ role: "user", content: "count me" }] },
      });
      expect(response.status).toBe(200);
    };
    await reply("chat");

    const { context, page, errors } = await newChatPage(browser, parley.url);
    await page.goto("/settings/usage");
    // No reply used the cache yet: two columns of zeros would be noise.
    expect(Object.keys((await usageRows(page)).chat ?? {})).not.toContain("Cache reads");
    for (const name of ["Cache reads", "Cache writes"]) {
      expect(await page.getByText(name, { exact: true }).count()).toBe(0);
    }

    await reply("claude");
    await page.reload();
    const rows = await usageRows(page);
    const count = (tokens: number) => tokens.toLocaleString("en-US");
    expect(rows.claude).toMatchObject({
      Replies: "1",
      "Cache reads": count(CACHE_READ_TOKENS),
      "Cache writes": count(CACHE_WRITE_TOKENS),
    });
    expect(rows.chat).toMatchObject({ "Cache reads": "0", "Cache writes": "0" });
    expect(await total(page, "Cache reads").textContent()).toBe(count(CACHE_READ_TOKENS));
    expect(await total(page, "Cache writes").textContent()).toBe(count(CACHE_WRITE_TOKENS));
    await page.screenshot({ path: artifactPath("usage-prompt-cache.png") });
    expect(errors).toEqual([]);
    await context.close();
  });
});
