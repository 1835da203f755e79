import { beforeAll, describe, expect, it } from "vitest";
import { createConversation, type ParleyProcess, startParley } from "./support/parley-process.js";
import { ALPHABET, openStream, postMessage, textOf } from "./support/sse-client.js";
import { writeTestModels } from "./support/test-models.js";

let parley: ParleyProcess;

beforeAll(async () => {
  parley = await startParley({ prepare: (dir) => writeTestModels(dir) });
  return () => parley.stop();
});

describe("a reply streamed over POST + SSE from the real engine", () => {
  it("streams ids 1..N: run.start first, deltas joining to exactly the alphabet, run.end last", async () => {
    const conversationId = await createConversation(parley);
    const stream = await postMessage(parley, conversationId, { content: "Say the alphabet", model: "tiny" });
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(stream.response.headers.get("cache-control")).toBe("no-cache, no-transform");
    expect(stream.response.headers.get("x-accel-buffering")).toBe("no");
    const events = await stream.events();

    expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1));
    expect(events[0]?.event).toBe("run.start");
    expect(events.at(-1)?.event).toBe("run.end");
    expect(textOf(events)).toBe(ALPHABET);
    const start = events[0]?.data as Record<string, string>;
    expect(start.conversationId).toBe(conversationId);
    expect(start.model).toBe("tiny");
    const end = events.at(-1)?.data as {
      finishReason: string;
      usage: { outputTokens: number; inputTokens: number };
    };
    expect(end.finishReason).toBe("stop");
    expect(end.usage.outputTokens).toBeGreaterThanOrEqual(26);
    expect(end.usage.inputTokens).toBeGreaterThan(0);

    const conversation = await parley.json<{
      title: string;
      messages: {
        id: string;
        role: string;
        content: string;
        status: string;
        parentId: string | null;
        children: string[];
      }[];
    }>(`/api/conversations/${conversationId}`);
    expect(conversation.title).toBe("Say the alphabet");
    const [user, assistant] = conversation.messages;
    expect(user).toMatchObject({
      role: "user",
      content: "Say the alphabet",
      parentId: null,
      children: [start.assistantMessageId],
    });
    expect(assistant).toMatchObject({
      id: start.assistantMessageId,
      role: "assistant",
      content: ALPHABET,
      status: "complete",
      parentId: user?.id,
    });
  });

  it("starts the stream with a ping comment and the SSE headers before the model answers", async () => {
    const conversationId = await createConversation(parley);
    const response = await fetch(`${parley.url}/api/conversations/${conversationId}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ content: "hi" }),
    });
    const raw = await response.text();
    expect(raw.startsWith(": ping\n\n")).toBe(true);
    expect(raw).toContain("event: run.end\n");
    expect(response.headers.get("content-encoding")).toBeNull();
  });

  it("answers two conversations streaming at once on one engine, each with exactly the alphabet", async () => {
    const [first, second] = await Promise.all([createConversation(parley), createConversation(parley)]);
    const streams = await Promise.all([
      postMessage(parley, first as string, {
        content: "first conversation, a longer question about many things",
        model: "tiny",
      }),
      postMessage(parley, second as string, { content: "second", model: "tiny" }),
    ]);
    const [eventsA, eventsB] = await Promise.all(streams.map((stream) => stream.events()));
    expect(textOf(eventsA ?? [])).toBe(ALPHABET);
    expect(textOf(eventsB ?? [])).toBe(ALPHABET);
    expect(eventsA?.at(-1)?.event).toBe("run.end");
    expect(eventsB?.at(-1)?.event).toBe("run.end");
  });

  it("continues a conversation: the second turn hangs under the first reply", async () => {
    const conversationId = await createConversation(parley);
    const first = await (await postMessage(parley, conversationId, { content: "one" })).events();
    const second = await (await postMessage(parley, conversationId, { content: "two" })).events();
    expect(textOf(second)).toBe(ALPHABET);
    const conversation = await parley.json<{ messages: { id: string; parentId: string | null }[] }>(
      `/api/conversations/${conversationId}`,
    );
    const secondUser = conversation.messages.find(
      (message) => message.id === (second[0]?.data.userMessageId as string),
    );
    expect(secondUser?.parentId).toBe(first[0]?.data.assistantMessageId);
  });

  it("regenerates a reply as a sibling of the first answer to the same user message", async () => {
    const conversationId = await createConversation(parley);
    const first = await (await postMessage(parley, conversationId, { content: "again please" })).events();
    const start = first[0]?.data as { userMessageId: string; assistantMessageId: string };
    const stream = await openStream(
      `${parley.url}/api/conversations/${conversationId}/messages/${start.assistantMessageId}/regenerate`,
      { method: "POST", body: "{}" },
    );
    const events = await stream.events();
    expect(textOf(events)).toBe(ALPHABET);
    const conversation = await parley.json<{ messages: { id: string; children: string[] }[] }>(
      `/api/conversations/${conversationId}`,
    );
    const user = conversation.messages.find((message) => message.id === start.userMessageId);
    expect(user?.children).toEqual([start.assistantMessageId, events[0]?.data.assistantMessageId]);
  });

  it("returns the finished reply as JSON to a client that does not accept event streams", async () => {
    const conversationId = await createConversation(parley);
    const response = await parley.api(`/api/conversations/${conversationId}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ content: "json please" }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { content: string; finishReason: string };
    expect(body).toMatchObject({ content: ALPHABET, finishReason: "stop" });
  });

  it("lists conversations newest first and finds them by title and by message text", async () => {
    const older = await createConversation(parley, "Walrus facts");
    const newer = await createConversation(parley);
    await (await postMessage(parley, newer, { content: "tell me about the pangolin" })).events();
    const all = await parley.json<{ conversations: { id: string }[] }>("/api/conversations");
    const ids = all.conversations.map((conversation) => conversation.id);
    expect(ids.indexOf(newer)).toBeLessThan(ids.indexOf(older));
    const byTitle = await parley.json<{ conversations: { id: string }[] }>("/api/conversations?q=walrus");
    expect(byTitle.conversations.map((conversation) => conversation.id)).toEqual([older]);
    const byText = await parley.json<{ conversations: { id: string }[] }>("/api/conversations?q=PANGOLIN");
    expect(byText.conversations.map((conversation) => conversation.id)).toEqual([newer]);
  });

  it("renames a conversation without moving it in the list, and refuses an empty title", async () => {
    const conversationId = await createConversation(parley, "Old name");
    const rename = (title: unknown) =>
      parley.api(`/api/conversations/${conversationId}`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ title }),
      });
    const renamed = await rename("  New name ");
    expect(renamed.status).toBe(200);
    expect(await renamed.json()).toMatchObject({ id: conversationId, title: "New name" });
    expect((await rename("   ")).status).toBe(400);
    expect((await parley.json<{ title: string }>(`/api/conversations/${conversationId}`)).title).toBe(
      "New name",
    );
  });

  it("edits the first message as a new root branch when parentId is null", async () => {
    const conversationId = await createConversation(parley);
    const first = await (await postMessage(parley, conversationId, { content: "first try" })).events();
    const edited = await (
      await postMessage(parley, conversationId, { content: "second try", parentId: null })
    ).events();
    expect(textOf(edited)).toBe(ALPHABET);
    const conversation = await parley.json<{
      messages: { id: string; parentId: string | null; content: string }[];
    }>(`/api/conversations/${conversationId}`);
    const roots = conversation.messages.filter((message) => message.parentId === null);
    expect(roots.map((message) => message.content)).toEqual(["first try", "second try"]);
    expect(roots[0]?.id).toBe(first[0]?.data.userMessageId);
  });

  it("deletes a conversation with its messages", async () => {
    const conversationId = await createConversation(parley);
    await (await postMessage(parley, conversationId, { content: "soon gone" })).events();
    expect((await parley.api(`/api/conversations/${conversationId}`, { method: "DELETE" })).status).toBe(204);
    expect((await parley.api(`/api/conversations/${conversationId}`)).status).toBe(404);
    expect((await parley.api(`/api/conversations/${conversationId}`, { method: "DELETE" })).status).toBe(404);
  });

  it("lists the local models with their status in /api/models", async () => {
    const { models } = await parley.json<{
      models: { id: string; ready: boolean; provider: string; tier: string }[];
    }>("/api/models");
    expect(models.map((model) => model.id).sort()).toEqual(["tiny", "tiny-loop"]);
    expect(models.every((model) => model.ready && model.provider === "local" && model.tier === "fast")).toBe(
      true,
    );
    expect((await parley.api("/healthz")).status).toBe(200);
  });
});
