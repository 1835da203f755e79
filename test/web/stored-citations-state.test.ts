// The chat page's citations of stored replies: taken from the loaded conversation, never read again from runs.
import { describe, expect, it } from "vitest";
import type { Citation } from "../../src/core/citation-check.js";
import type { TreeMessage } from "../../web/src/api/parley-api.js";
import {
  type ChatSessionAction,
  type ChatSessionState,
  chatSessionReducer,
  initialChatSession,
  temporaryMessage,
} from "../../web/src/chat/chat-session-state.js";

const cite = (marker: string): Citation => ({
  documentId: "doc",
  title: "Guide",
  start: 0,
  end: 4,
  citedText: "text",
  marker,
});

function reply(id: string, citations: Citation[] | undefined, status: TreeMessage["status"] = "complete") {
  return {
    ...temporaryMessage("assistant", "u1", `${id} text`, null),
    id,
    status,
    ...(citations && { citations }),
  } as TreeMessage;
}

function loaded(messages: TreeMessage[], activeIds: string[] = []): ChatSessionAction {
  const question = { ...temporaryMessage("user", null, "q", null), id: "u1", children: [] } as TreeMessage;
  return {
    type: "loaded",
    conversation: {
      id: "conv",
      userId: "u",
      title: "t",
      botId: "bot_1",
      botVersion: 1,
      createdAt: 0,
      updatedAt: 0,
      messages: [{ ...question, children: messages.map((message) => message.id) }, ...messages],
    },
    activeIds: new Set(activeIds),
  };
}

function citationEvent(messageId: string, id: number, citation: Citation): ChatSessionAction {
  return { type: "runEvent", messageId, event: { id, event: "citation", data: citation } };
}

const run = (state: ChatSessionState, ...actions: ChatSessionAction[]) =>
  actions.reduce(chatSessionReducer, state);

describe("citations of stored replies in the chat session", () => {
  it("takes each reply's citations from the loaded conversation, and none for a reply that has none", () => {
    const state = run(
      initialChatSession("conv"),
      loaded([reply("a1", [cite("S2"), cite("S1")]), reply("a2", [])]),
    );
    expect(state.citations.a1?.map((citation) => citation.marker)).toEqual(["S2", "S1"]);
    expect(state.citations.a2).toEqual([]);
  });

  it("lets a reply this page streams keep its own citations, whatever the loaded conversation says of it", () => {
    const streaming = run(initialChatSession("conv"), citationEvent("a1", 3, cite("S1")));
    const state = run(streaming, loaded([reply("a1", [], "streaming")], ["a1"]));
    expect(state.citations.a1?.map((citation) => citation.marker)).toEqual(["S1"]);
  });

  it("keeps the list it holds when the stored one adds nothing, so the marks do not render again", () => {
    const first = run(initialChatSession("conv"), loaded([reply("a1", [cite("S1")])]));
    const again = run(first, loaded([reply("a1", [cite("S1")])]));
    expect(again.citations).toBe(first.citations);
  });

  it("shows a reattached reply's citations so far at once, and its replayed events add each mark once", () => {
    const state = run(
      initialChatSession("conv"),
      loaded([reply("a1", [cite("S1")], "streaming")]),
      citationEvent("a1", 3, cite("S1")),
      citationEvent("a1", 6, cite("S4")),
    );
    expect(state.citations.a1?.map((citation) => citation.marker)).toEqual(["S1", "S4"]);
  });
});
