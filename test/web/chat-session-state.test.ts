// The chat page's conversation state: optimistic messages, run events, branches, and merging what the server says.
import { describe, expect, it } from "vitest";
import type { TreeMessage } from "../../web/src/api/parley-api.js";
import {
  type ChatSessionAction,
  type ChatSessionState,
  chatSessionReducer,
  initialChatSession,
  temporaryMessage,
} from "../../web/src/chat/chat-session-state.js";
import { siblingIds, visibleThread } from "../../web/src/chat/message-tree.js";

function message(
  id: string,
  parentId: string | null,
  role: "user" | "assistant",
  extra: Partial<TreeMessage> = {},
) {
  return {
    ...temporaryMessage(role, parentId, `${id} text`, null),
    id,
    status: "complete",
    ...extra,
  } as TreeMessage;
}

function withChildren(messages: TreeMessage[]): TreeMessage[] {
  return messages.map((item) => ({
    ...item,
    children: messages.filter((child) => child.parentId === item.id).map((child) => child.id),
  }));
}

function loaded(messages: TreeMessage[], activeIds: string[] = []): ChatSessionAction {
  return {
    type: "loaded",
    conversation: {
      id: "conv",
      userId: "u",
      title: "t",
      botId: null,
      createdAt: 0,
      updatedAt: 0,
      messages: withChildren(messages),
    } as never,
    activeIds: new Set(activeIds),
  };
}

function run(state: ChatSessionState, ...actions: ChatSessionAction[]): ChatSessionState {
  return actions.reduce(chatSessionReducer, state);
}

const thread = (state: ChatSessionState) => visibleThread(state.tree, state.selection).map((item) => item.id);

describe("the chat session state", () => {
  it("shows a sent message at once and gives it the server's ids when the run starts", () => {
    const user = temporaryMessage("user", null, "hello", null);
    const assistant = temporaryMessage("assistant", user.id, "", null);
    const state = run(
      initialChatSession(null),
      { type: "runQueued", user, assistant },
      {
        type: "runStarted",
        temporaryUserId: user.id,
        temporaryAssistantId: assistant.id,
        start: {
          runId: "run_1",
          conversationId: "conv",
          userMessageId: "u1",
          assistantMessageId: "a1",
          model: "tiny",
        },
      },
      { type: "runText", messageId: "a1", text: "abc" },
      {
        type: "runEvent",
        messageId: "a1",
        event: {
          id: 5,
          event: "run.end",
          data: {
            finishReason: "stop",
            usage: { inputTokens: 1, outputTokens: 3 },
            timings: { ttftMs: 1, tokensPerSecond: 9 },
            model: "tiny",
          },
        },
      },
    );
    expect(thread(state)).toEqual(["u1", "a1"]);
    expect(state.tree.messages.a1).toMatchObject({
      content: "abc",
      status: "complete",
      runId: "run_1",
      model: "tiny",
    });
    expect(state.tree.messages.u1?.children).toEqual(["a1"]);
  });

  it("keeps the text on screen while a resumed stream replays the reply from its start", () => {
    const state = run(
      initialChatSession("conv"),
      loaded([
        message("u1", null, "user"),
        message("a1", "u1", "assistant", { content: "abcdef", status: "streaming" }),
      ]),
      { type: "runText", messageId: "a1", text: "abc" },
    );
    expect(state.tree.messages.a1?.content).toBe("abcdef");
    expect(run(state, { type: "runText", messageId: "a1", text: "abcdefg" }).tree.messages.a1?.content).toBe(
      "abcdefg",
    );
  });

  it("does not let a server that has not yet written a run's end make the reply streaming again", () => {
    const ended = run(
      initialChatSession("conv"),
      loaded([
        message("u1", null, "user"),
        message("a1", "u1", "assistant", { status: "stopped", content: "ab" }),
      ]),
      loaded([
        message("u1", null, "user"),
        message("a1", "u1", "assistant", { status: "streaming", content: "ab" }),
      ]),
    );
    expect(ended.tree.messages.a1?.status).toBe("stopped");
  });

  it("shows the newest branch by default and the one the user picks after that", () => {
    const state = run(
      initialChatSession("conv"),
      loaded([
        message("u1", null, "user"),
        message("a1", "u1", "assistant"),
        message("a2", "u1", "assistant"),
        message("u2", "a1", "user"),
      ]),
    );
    expect(thread(state)).toEqual(["u1", "a2"]);
    const picked = run(state, { type: "select", messageId: "a1" });
    expect(thread(picked)).toEqual(["u1", "a1", "u2"]);
    expect(siblingIds(picked.tree, message("a1", "u1", "assistant"))).toEqual(["a1", "a2"]);
  });

  it("drops the messages of a send that never reached the server", () => {
    const base = run(
      initialChatSession("conv"),
      loaded([message("u1", null, "user"), message("a1", "u1", "assistant")]),
    );
    const user = temporaryMessage("user", "a1", "again", null);
    const assistant = temporaryMessage("assistant", user.id, "", null);
    const queued = run(base, { type: "runQueued", user, assistant });
    expect(thread(queued)).toEqual(["u1", "a1", user.id, assistant.id]);
    // A reload of the conversation meanwhile keeps them: the POST is still on its way.
    expect(
      thread(run(queued, loaded([message("u1", null, "user"), message("a1", "u1", "assistant")]))),
    ).toHaveLength(4);
    const failed = run(queued, {
      type: "runNotStarted",
      temporaryUserId: user.id,
      temporaryAssistantId: assistant.id,
    });
    expect(thread(failed)).toEqual(["u1", "a1"]);
    expect(failed.tree.messages.a1?.children).toEqual([]);
  });
  it("keeps a reply's citations once per mark, even when a resumed stream replays them", () => {
    const cite = (id: number, marker: string) =>
      ({
        type: "runEvent",
        messageId: "a1",
        event: {
          id,
          event: "citation",
          data: { documentId: "doc", title: "Guide", start: 0, end: 4, citedText: "text", marker },
        },
      }) as const;
    const end = {
      type: "runEvent",
      messageId: "a2",
      event: {
        id: 9,
        event: "run.end",
        data: {
          finishReason: "stop",
          usage: { inputTokens: 1, outputTokens: 1 },
          timings: { ttftMs: null, tokensPerSecond: null },
          model: "m",
        },
      },
    } as const;
    const state = run(initialChatSession("conv"), cite(3, "S2"), cite(5, "S1"), cite(3, "S2"), end);
    expect(state.citations.a1?.map((citation) => citation.marker)).toEqual(["S2", "S1"]);
    // A reply that ended without citing anything is known to have none: nothing to read again.
    expect(state.citations.a2).toEqual([]);
  });
});
