import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ArticleSite,
  LONG_ARTICLE_CODE,
  LONG_ARTICLE_PATH,
  LONG_ARTICLE_SECTIONS,
  startArticleSite,
} from "./support/article-site.js";
import type { FaultUpstream, RecordedRequest } from "./support/fault-upstream.js";
import { createConversation, type ParleyProcess } from "./support/parley-process.js";
import { faultModel, openAIProvider } from "./support/remote-config.js";
import { startRemoteParley } from "./support/remote-parley.js";
import { postMessage, type ReceivedEvent, textOf } from "./support/sse-client.js";

/**
 * The Tech article translator on an article far longer than its model's context window, end to end: a real server,
 * the article on a local web site, and a fake upstream whose `echo` model answers each request with the text it was
 * given, so the reply shows exactly what each section's request carried, and in which order.
 */
const CONTEXT_WINDOW = 6000;
const MAX_OUTPUT_TOKENS = 1000;
/** How Parley estimates the tokens of a model it cannot ask (src/runs/token-counter.ts, before any calibration). */
const estimateTokens = (messages: { content: string }[]) =>
  Math.ceil(messages.reduce((sum, message) => sum + message.content.length, 0) / 3) + 4 * messages.length;

let upstream: FaultUpstream;
let site: ArticleSite;
let parley: ParleyProcess;
let articleUrl: string;

type UpstreamMessage = { role: string; content: string };

beforeAll(async () => {
  site = await startArticleSite();
  articleUrl = `${site.origin}${LONG_ARTICLE_PATH}`;
  // One model per test: each run's reported usage calibrates the token estimate of its model.
  const model = (id: string, upstreamModel: string) =>
    faultModel(id, upstreamModel, { contextWindow: CONTEXT_WINDOW });
  const served = await startRemoteParley(
    (upstream) => ({
      providers: [
        openAIProvider("remote", upstream, [
          // The first is Parley's default model, which a bot on the compatible API answers with.
          model("echo-short", "echo@short"),
          model("echo-long", "echo@long"),
          model("echo-fails", "echo@fails"),
          model("slow-long", "slow@long"),
        ]),
      ],
      runs: { maxOutputTokens: MAX_OUTPUT_TOKENS },
      tools: { fetchUrl: { allowedAddresses: ["127.0.0.2"] } },
    }),
    { upstream: { echoFailures: { "echo@fails": 2 }, slowDeltaMs: 20 } },
  );
  ({ parley, upstream } = served);
  return served.stop;
});

afterAll(async () => {
  await site?.close();
});

const translatorConversation = () => createConversation(parley, { botId: "tech-article-translator" });

async function translate(conversationId: string, content: string, model: string) {
  const stream = await postMessage(parley, conversationId, { content, model });
  expect(stream.response.status).toBe(200);
  return stream;
}

function messagesOf(request: RecordedRequest): UpstreamMessage[] {
  return (request.body as { messages: UpstreamMessage[] }).messages;
}

function userMessageOf(request: RecordedRequest): string {
  return messagesOf(request).at(-1)?.content ?? "";
}

/** The article text a section's request carried, inside its <article> block. */
function sectionOf(request: RecordedRequest): string {
  const message = userMessageOf(request);
  const start = message.indexOf(">\n", message.indexOf("<article ")) + 2;
  return message.slice(start, message.lastIndexOf("\n</article>"));
}

async function storedReply(conversationId: string) {
  const { messages } = await parley.json<{
    messages: { role: string; content: string; status: string; error: { code: string } | null }[];
  }>(`/api/conversations/${conversationId}`);
  return messages.find((message) => message.role === "assistant");
}

describe("the translator on an article longer than the context window", () => {
  it("translates it section by section: each request carries the instructions and one whole section, within the window", async () => {
    const conversation = await translatorConversation();
    const stream = await translate(conversation, `${articleUrl} 请翻译成中文`, "echo-long");
    const events = await stream.events();
    const requests = upstream.requestsFor("echo@long");

    // The article is several times what the window holds, so it went in several requests.
    expect(requests.length).toBeGreaterThanOrEqual(5);
    for (const [index, request] of requests.entries()) {
      const messages = messagesOf(request);
      expect(messages.map((message) => message.role)).toEqual(["system", "user"]);
      expect(messages[0]?.content).toMatch(/^You are Parley's Tech Article Translator/);
      expect(messages[0]?.content).toContain(`## Part ${index + 1} of ${requests.length}`);
      // The user's note (the target language) goes with every section.
      expect(messages[1]?.content).toMatch(/^请翻译成中文\n\n<article url="[^"]+" title="[^"]+">\n/);
      const maxTokens = request.body as { max_tokens?: number; max_completion_tokens?: number };
      const budget = maxTokens.max_completion_tokens ?? maxTokens.max_tokens ?? 0;
      expect(budget).toBeGreaterThan(0);
      expect(estimateTokens(messages) + budget).toBeLessThanOrEqual(CONTEXT_WINDOW);
    }

    // Every heading arrives whole, at the start of a line, in exactly one section, in the article's order.
    const sections = requests.map(sectionOf);
    const headings = [
      "# Distributed Queues in Depth",
      ...LONG_ARTICLE_SECTIONS.map((title) => `## ${title}`),
    ];
    const found = headings.map((heading) =>
      sections.flatMap((section, index) => (section.split("\n").includes(heading) ? [index] : [])),
    );
    for (const indexes of found) expect(indexes).toHaveLength(1);
    const order = found.map((indexes) => indexes[0] as number);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(sections[0]?.startsWith("# Distributed Queues in Depth\n\n")).toBe(true);

    // The code block, blank line and all, is in one section, unsplit.
    const withCode = sections.filter((section) => section.includes("```python"));
    expect(withCode).toHaveLength(1);
    expect(withCode[0]).toContain(`\`\`\`python\n${LONG_ARTICLE_CODE}\n\`\`\``);
    expect(sections.join("\n\n")).toContain(
      `![Partitions and consumers](${site.origin}/images/partitions.png)`,
    );

    // One run: one start, one end, and the sections' replies in order, a blank line between them.
    expect(events.filter((event) => event.event === "run.start")).toHaveLength(1);
    expect(events.filter((event) => event.event === "run.end")).toHaveLength(1);
    expect(events.filter((event) => event.event === "run.error")).toHaveLength(0);
    expect(events.at(-1)).toMatchObject({
      event: "run.end",
      data: { finishReason: "stop", model: "echo-long" },
    });
    const text = textOf(events);
    expect(text).toBe(requests.map(userMessageOf).join("\n\n"));
    // Usage is the sum over every section's call (the fake counts a token per word of its reply).
    const { usage } = (events.at(-1)?.data ?? {}) as { usage: { outputTokens: number } };
    const words = requests.map((request) => userMessageOf(request).split(/(?=\s)/).length);
    expect(usage.outputTokens).toBe(words.reduce((sum, count) => sum + count, 0));

    const stored = await storedReply(conversation);
    expect(stored).toMatchObject({ status: "complete", content: text });
  });

  it("ends the one reply with run.error when a later section fails, and stores it as incomplete", async () => {
    const conversation = await translatorConversation();
    const events: ReceivedEvent[] = await (await translate(conversation, articleUrl, "echo-fails")).events();
    const requests = upstream.requestsFor("echo@fails");
    // The second section failed part-way; no third was asked for.
    expect(requests).toHaveLength(2);
    expect(events.filter((event) => event.event === "run.end")).toHaveLength(0);
    expect(events.at(-1)?.event).toBe("run.error");
    const text = textOf(events);
    expect(text.startsWith(`${userMessageOf(requests[0] as RecordedRequest)}\n\n`)).toBe(true);
    expect(text.length).toBeGreaterThan(userMessageOf(requests[0] as RecordedRequest).length + 2);

    const stored = await storedReply(conversation);
    expect(stored?.status).toBe("incomplete");
    expect(stored?.content).toBe(text);
    expect(stored?.error?.code).toBeTruthy();
  });

  it("stops at once when the user stops the reply, without asking for the next sections", async () => {
    const conversation = await translatorConversation();
    const stream = await translate(conversation, articleUrl, "slow-long");
    const first = await stream.events({ stopAfter: 2 });
    expect(first.map((event) => event.event)).toEqual(["run.start", "text.delta"]);
    const runId = first[0]?.data.runId as string;
    const stopped = await parley.json<{ status: string }>(`/api/runs/${runId}/stop`, { method: "POST" });
    expect(stopped.status).toBe("stopped");
    const rest = await parley.json<{ status: string }>(`/api/runs/${runId}`);
    expect(rest.status).toBe("stopped");
    expect(upstream.requestsFor("slow@long")).toHaveLength(1);
    expect((await storedReply(conversation))?.status).toBe("stopped");
  });

  it("sends a longer article that fits, its translation included, in one request as it came (here on /v1/chat/completions)", async () => {
    const article = `# Short\n\n${"A short article about queues. ".repeat(100)}`;
    const response = await parley.api("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      // Room for a 3,000-token reply: the article's translation fits it.
      body: JSON.stringify({
        model: "bot:tech-article-translator",
        messages: [{ role: "user", content: article }],
        max_tokens: 3000,
      }),
    });
    expect(response.status).toBe(200);
    const completion = (await response.json()) as { choices: { message: { content: string } }[] };
    const requests = upstream.requestsFor("echo@short");
    expect(requests).toHaveLength(1);
    expect(messagesOf(requests[0] as RecordedRequest)[0]?.content).not.toContain("## Part");
    expect(userMessageOf(requests[0] as RecordedRequest)).toBe(article);
    expect(completion.choices[0]?.message.content).toBe(article);
  });

  it("refuses a JSON reply for an article it would answer section by section, before asking the model", async () => {
    const before = upstream.requests.length;
    const response = await parley.api("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "bot:tech-article-translator",
        messages: [{ role: "user", content: articleUrl }],
        response_format: { type: "json_object" },
      }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { message: string } };
    expect(body.error.message).toMatch(/section by section, so its reply cannot be one JSON document/);
    expect(upstream.requests.length).toBe(before);
  });
});
