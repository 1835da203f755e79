import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARTICLE_PATH, type ArticleSite, startArticleSite } from "./support/article-site.js";
import { sendMessage } from "./support/ask-parley.js";
import { CITING_REPLY, type FaultUpstream } from "./support/fault-upstream.js";
import { createConversation, type ParleyProcess, sendJson } from "./support/parley-process.js";
import { faultModel, openAIProvider } from "./support/remote-config.js";
import { startRemoteParley } from "./support/remote-parley.js";
import { textOf } from "./support/sse-client.js";

/**
 * Bots in replies, end to end: a real server, a remote model on a fake upstream that records what it is sent, and
 * a local web site for the translator's fetch_url.
 */
let upstream: FaultUpstream;
let site: ArticleSite;
let parley: ParleyProcess;

type UpstreamMessage = { role: string; content: string };

beforeAll(async () => {
  site = await startArticleSite();
  const served = await startRemoteParley((upstream) => ({
    providers: [
      openAIProvider("remote", upstream, [
        faultModel("remote-main", "ok", { contextWindow: 32768 }),
        faultModel("remote-other", "ok", { contextWindow: 32768 }),
        faultModel("remote-cite", "cite", { contextWindow: 32768 }),
      ]),
    ],
    // The test site's address only: 127.0.0.1 and every other internal address stay refused.
    tools: { fetchUrl: { allowedAddresses: ["127.0.0.2"] } },
  }));
  ({ parley, upstream } = served);
  return served.stop;
});

afterAll(async () => {
  await site?.close();
});

function post<T>(pathname: string, body: unknown, method?: string): Promise<T> {
  return sendJson<T>(parley, pathname, body, { method });
}

async function reply(conversationId: string, content: string, extra: Record<string, unknown> = {}) {
  const requestsBefore = upstream.requests.length;
  const { events } = await sendMessage(parley, { content, ...extra }, { conversationId });
  expect(upstream.requests.length).toBe(requestsBefore + 1);
  const sent = upstream.requests.at(-1)?.body as { messages: UpstreamMessage[]; temperature?: number };
  return { events, sent };
}

describe("a conversation with a bot", () => {
  let botId: string;

  it("sends the bot's instructions as the system prompt, with its model and temperature, and names the bot in run.start", async () => {
    const bot = await post<{ id: string }>("/api/bots", {
      name: "Pirate",
      instructions: "You are a pirate. Answer in pirate speech.",
      model: "remote-other",
      temperature: 0.25,
      visibility: "everyone",
    });
    botId = bot.id;
    const conversation = await post<{ id: string; botId: string; botVersion: number }>("/api/conversations", {
      botId,
    });
    expect(conversation).toMatchObject({ botId, botVersion: 1 });

    const { events, sent } = await reply(conversation.id, "Where is the treasure?");
    expect(sent.messages).toEqual([
      { role: "system", content: "You are a pirate. Answer in pirate speech." },
      { role: "user", content: "Where is the treasure?" },
    ]);
    expect(sent.temperature).toBe(0.25);
    expect(events[0]).toMatchObject({ event: "run.start", data: { botId, model: "remote-other" } });
    expect(textOf(events)).toBe(upstream.replyText("ok"));

    // The next turn carries the whole thread after the instructions; a model named in the message wins.
    const second = await reply(conversation.id, "And the map?", { model: "remote-main" });
    expect(second.sent.messages.map((message) => message.role)).toEqual([
      "system",
      "user",
      "assistant",
      "user",
    ]);
    expect(second.events[0]?.data).toMatchObject({ botId, model: "remote-main" });
  });

  it("keeps a conversation on the bot version it began with; new conversations get the new version", async () => {
    const old = await post<{ id: string }>("/api/conversations", { botId });
    await post(`/api/bots/${botId}`, { instructions: "You are a polite butler." }, "PATCH");
    const fresh = await post<{ id: string; botVersion: number }>("/api/conversations", { botId });
    expect(fresh.botVersion).toBe(2);

    expect((await reply(old.id, "Hello?")).sent.messages[0]?.content).toBe(
      "You are a pirate. Answer in pirate speech.",
    );
    expect((await reply(fresh.id, "Hello?")).sent.messages[0]?.content).toBe("You are a polite butler.");
  });

  it("answers without a system prompt in a conversation without a bot", async () => {
    const plain = await post<{ id: string; botId: null }>("/api/conversations", {});
    const { events, sent } = await reply(plain.id, "Hi");
    expect(sent.messages).toEqual([{ role: "user", content: "Hi" }]);
    expect(events[0]?.data.botId).toBeUndefined();
  });

  it("ends a reply clearly when the conversation's bot was deleted", async () => {
    const doomed = await post<{ id: string }>("/api/bots", { name: "Doomed", instructions: "x" });
    const conversation = await post<{ id: string }>("/api/conversations", { botId: doomed.id });
    expect((await parley.api(`/api/bots/${doomed.id}`, { method: "DELETE" })).status).toBe(204);
    const response = await parley.api(`/api/conversations/${conversation.id}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ content: "still there?" }),
    });
    expect(response.status).toBe(409);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("bot_unavailable");
  });
});

describe("a bot with knowledge", () => {
  const GUIDE =
    "# Event loop guide\n\nThe event loop runs one callback at a time. Timers fire after their delay has passed. " +
    "Microtasks run before the next macrotask.\n\nRendering happens between tasks in a browser.";

  it("answers from the sentences that match the question, and sends checked citations with exact offsets", async () => {
    const bot = await post<{ id: string }>("/api/bots", {
      name: "Event loop expert",
      instructions: "Answer from the guide.",
      model: "remote-cite",
    });
    const document = await post<{ id: string; title: string; sentenceCount: number }>(
      `/api/bots/${bot.id}/knowledge`,
      { title: "Event loop guide", content: GUIDE },
    );
    expect(document).toMatchObject({ title: "Event loop guide", sentenceCount: 5 });
    const listed = await parley.json<{ documents: { id: string; content?: string }[] }>(
      `/api/bots/${bot.id}/knowledge`,
    );
    expect(listed.documents.map((item) => [item.id, item.content])).toEqual([[document.id, undefined]]);

    const conversation = await post<{ id: string }>("/api/conversations", { botId: bot.id });
    const { events, sent } = await reply(conversation.id, "When do timers fire?");
    const system = sent.messages[0]?.content ?? "";
    expect(system).toMatch(/^Answer from the guide\.\n\n## Knowledge\n/);
    expect(system).toContain(
      '<document title="Event loop guide">\n[S1] Timers fire after their delay has passed.\n</document>',
    );
    expect(system).not.toContain("Microtasks");

    expect(textOf(events)).toBe(CITING_REPLY);
    const citations = events.filter((event) => event.event === "citation");
    expect(citations.map((event) => event.data)).toEqual([
      {
        documentId: document.id,
        title: "Event loop guide",
        start: GUIDE.indexOf("Timers"),
        end: GUIDE.indexOf("Timers") + "Timers fire after their delay has passed.".length,
        citedText: "Timers fire after their delay has passed.",
        marker: "S1",
      },
    ]);
    const { content } = await parley.json<{ content: string }>(
      `/api/bots/${bot.id}/knowledge/${document.id}`,
    );
    const { start, end, citedText } = (citations[0]?.data ?? {}) as {
      start: number;
      end: number;
      citedText: string;
    };
    expect(content.slice(start, end)).toBe(citedText);
    // [S99] named no sentence the model was shown: dropped, and counted.
    expect(events.at(-1)).toMatchObject({ event: "run.end", data: { citations: { sent: 1, dropped: 1 } } });
  });

  it("keeps an HTML document as Markdown, and forgets a deleted one", async () => {
    const bot = await post<{ id: string }>("/api/bots", { name: "HTML learner", model: "remote-main" });
    const added = await post<{ id: string; mediaType: string }>(`/api/bots/${bot.id}/knowledge`, {
      title: "Page",
      content: "<h2>Queues</h2><p>A queue is <strong>first in, first out</strong>.</p>",
      mediaType: "text/html",
    });
    expect(added.mediaType).toBe("text/markdown");
    const stored = await parley.json<{ content: string }>(`/api/bots/${bot.id}/knowledge/${added.id}`);
    expect(stored.content).toBe("## Queues\n\nA queue is **first in, first out**.");
    expect((await parley.api(`/api/bots/${bot.id}/knowledge/${added.id}`, { method: "DELETE" })).status).toBe(
      204,
    );
    expect((await parley.api(`/api/bots/${bot.id}/knowledge/${added.id}`)).status).toBe(404);
    const conversation = await post<{ id: string }>("/api/conversations", { botId: bot.id });
    const { sent, events } = await reply(conversation.id, "What is a queue?");
    expect(sent.messages.map((message) => message.role)).toEqual(["user"]);
    expect(events.some((event) => event.event === "citation")).toBe(false);
  });
});

describe("bots on the OpenAI-compatible API, through the official openai client", () => {
  let openai: OpenAI;

  beforeAll(() => {
    openai = new OpenAI({ baseURL: `${parley.url}/v1`, apiKey: "unused", maxRetries: 0 });
  });

  it("lists bots as bot:<slug> models next to the catalog", async () => {
    const ids: string[] = [];
    for await (const model of openai.models.list()) ids.push(model.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        "remote-main",
        "bot:pirate",
        "bot:tech-article-translator",
        "bot:code-tutor",
        "bot:topic-explorer",
      ]),
    );
  });

  it("answers as the bot for model bot:<slug>, its instructions before the caller's own system message", async () => {
    const completion = await openai.chat.completions.create({
      model: "bot:pirate",
      messages: [
        { role: "system", content: "Keep it short." },
        { role: "user", content: "Ahoy?" },
      ],
    });
    expect(completion.choices[0]?.message.content).toBe(upstream.replyText("ok"));
    const sent = upstream.requests.at(-1)?.body as { messages: UpstreamMessage[] };
    expect(sent.messages).toEqual([
      { role: "system", content: "You are a polite butler.\n\nKeep it short." },
      { role: "user", content: "Ahoy?" },
    ]);
    expect(completion.model).toBe("remote-other");

    const { conversations } = await parley.json<{ conversations: { id: string; botId: string | null }[] }>(
      "/api/conversations",
    );
    expect(conversations[0]?.botId).toMatch(/^bot_/);
  });

  it("streams as the bot too, and calls an unknown bot an unknown model", async () => {
    const stream = await openai.chat.completions.create({
      model: "bot:code-tutor",
      messages: [{ role: "user", content: "Help me with recursion" }],
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe(upstream.replyText("ok"));
    const sent = upstream.requests.at(-1)?.body as { messages: UpstreamMessage[] };
    expect(sent.messages[0]?.content).toMatch(/Code Tutor.*Socratic/s);

    await expect(
      openai.chat.completions.create({ model: "bot:nobody", messages: [{ role: "user", content: "hi" }] }),
    ).rejects.toMatchObject({ status: 404, code: "unknown_model" });
  });
});

describe("the Tech article translator", () => {
  it("fetches the article a message links to and gives the model its Markdown with the translator's instructions", async () => {
    const conversationId = await createConversation(parley, { botId: "tech-article-translator" });
    const url = `${site.origin}${ARTICLE_PATH}`;
    const { events, sent } = await reply(conversationId, `${url} 请翻译成中文`);
    expect(textOf(events)).toBe(upstream.replyText("ok"));
    expect(site.requests).toContain(ARTICLE_PATH);

    const [system, user] = sent.messages;
    expect(system?.role).toBe("system");
    expect(system?.content).toMatch(/Tech Article Translator/);
    expect(system?.content).toMatch(/Simplified Chinese/);
    expect(user?.role).toBe("user");
    expect(user?.content).toContain("请翻译成中文");
    expect(user?.content).toContain(`<article url="${url}" title="Understanding Event Loops`);
    expect(user?.content).toContain("# Understanding Event Loops");
    expect(user?.content).toContain(
      "```python\nwhile True:\n    event = queue.get()\n    event.callback()\n```",
    );
    expect(user?.content).toContain(`[event loop guide](${site.origin}/docs/event-loop)`);
    expect(user?.content).toContain(`![Diagram of the event loop](${site.origin}/posts/images/loop.png)`);
    expect(user?.content).not.toContain("Archive");

    // The stored message is what the user wrote; the article went only to the model.
    const stored = await parley.json<{ messages: { role: string; content: string }[] }>(
      `/api/conversations/${conversationId}`,
    );
    expect(stored.messages[0]?.content).toBe(`${url} 请翻译成中文`);
  });

  it("tells the model why a link could not be fetched: a redirect to 127.0.0.1 is refused", async () => {
    const conversationId = await createConversation(parley, { botId: "tech-article-translator" });
    const { sent } = await reply(conversationId, `${site.origin}/to-loopback`);
    const user = sent.messages.at(-1)?.content ?? "";
    expect(user).toMatch(
      /Parley tried to fetch .*to-loopback and could not: .*127\.0\.0\.1 is a loopback address/,
    );
    expect(user).not.toContain("<article");
  });

  it("leaves a pasted text with links in it as it is", async () => {
    const conversationId = await createConversation(parley, { botId: "tech-article-translator" });
    const text = `${"Event loops dispatch callbacks one at a time. ".repeat(10)}See ${site.origin}/a and ${site.origin}/b.`;
    const requestsBefore = site.requests.length;
    const { sent } = await reply(conversationId, text);
    expect(sent.messages.at(-1)?.content).toBe(text);
    expect(site.requests.length).toBe(requestsBefore);
  });
});
