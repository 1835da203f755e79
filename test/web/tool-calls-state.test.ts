// Tool calls in the chat page: how a run's tool_call events build a reply's calls (live and when a reattached stream
// replays them), and what the thread shows of calls and results: arguments pretty-printed, long results folded,
// each result named after its tool.
import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../src/core/run-event.js";
import type { ToolCall } from "../../src/core/tool-call.js";
import type { TreeMessage } from "../../web/src/api/parley-api.js";
import {
  type ChatSessionAction,
  type ChatSessionState,
  chatSessionReducer,
  initialChatSession,
  temporaryMessage,
} from "../../web/src/chat/chat-session-state.js";
import {
  formatToolText,
  isLongToolText,
  TOOL_PREVIEW_CHARS,
  toolCallsById,
  toolResultSubject,
  withToolCallEvent,
} from "../../web/src/chat/tool-calls.js";

let eventId = 0;
const start = (index: number, id: string, name: string): RunEvent => ({
  id: ++eventId,
  event: "tool_call.start",
  data: { index, id, name },
});
const delta = (index: number, text: string): RunEvent => ({
  id: ++eventId,
  event: "tool_call.delta",
  data: { index, arguments: text },
});

/** A weather call and a search call, their arguments in pieces and interleaved, as a model may stream them. */
const TWO_CALLS: RunEvent[] = [
  start(0, "call_1", "get_weather"),
  delta(0, '{"city":'),
  start(1, "call_2", "search"),
  delta(0, '"Paris"}'),
  delta(1, '{"q":"rain'),
  delta(1, ' gear"}'),
];
const EXPECTED: ToolCall[] = [
  { id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' },
  { id: "call_2", name: "search", arguments: '{"q":"rain gear"}' },
];

const asAction = (messageId: string, event: RunEvent): ChatSessionAction => ({
  type: "runEvent",
  messageId,
  event,
});

const run = (state: ChatSessionState, ...actions: ChatSessionAction[]) =>
  actions.reduce(chatSessionReducer, state);

function loadedReply(reply: Partial<TreeMessage>): ChatSessionAction {
  const question = {
    ...temporaryMessage("user", null, "q", null),
    id: "u1",
    children: ["a1"],
  } as TreeMessage;
  const answer = {
    ...temporaryMessage("assistant", "u1", "", null),
    id: "a1",
    runId: "run_1",
    children: [],
    ...reply,
  } as TreeMessage;
  return {
    type: "loaded",
    conversation: {
      id: "conv",
      userId: "u",
      title: "t",
      botId: null,
      createdAt: 0,
      updatedAt: 0,
      messages: [question, answer],
    } as never,
    activeIds: new Set(),
  };
}

describe("tool calls in a streamed reply", () => {
  it("builds a reply's calls from tool_call.start and the pieces of arguments each tool_call.delta adds, at its index", () => {
    expect(TWO_CALLS.reduce(withToolCallEvent, [])).toEqual(EXPECTED);
  });

  it("passes over a delta for a call that never started and any other event, keeping the same calls", () => {
    const calls = [start(0, "call_1", "get_weather")].reduce(withToolCallEvent, []);
    expect(withToolCallEvent(calls, delta(3, "{}"))).toBe(calls);
    expect(withToolCallEvent(calls, { id: 9, event: "text.delta", data: { text: "hi" } })).toBe(calls);
    expect(withToolCallEvent(calls, { id: 9, event: "unknown.event", data: {} } as never)).toBe(calls);
  });

  it("accumulates the calls into the streaming reply, after its text, and ends it complete with finish reason tool_calls", () => {
    const state = run(
      initialChatSession("conv"),
      loadedReply({ status: "streaming" }),
      { type: "runText", messageId: "a1", text: "Let me look." },
      ...TWO_CALLS.map((event) => asAction("a1", event)),
      asAction("a1", {
        id: ++eventId,
        event: "run.end",
        data: {
          finishReason: "tool_calls",
          usage: { inputTokens: 20, outputTokens: 12 },
          timings: { ttftMs: 5, tokensPerSecond: 40 },
          model: "m",
        },
      }),
    );
    expect(state.tree.messages.a1).toMatchObject({
      content: "Let me look.",
      toolCalls: EXPECTED,
      status: "complete",
      finishReason: "tool_calls",
    });
  });

  it("builds the same calls again, not doubled, when a reattached stream replays the run from its start", () => {
    // The page loads a reply the server has stored mid-way, then reads its run again from the first event.
    const partly = [{ ...EXPECTED[0], arguments: '{"city":"Paris"}' }] as ToolCall[];
    const loaded = run(initialChatSession("conv"), loadedReply({ status: "streaming", toolCalls: partly }));
    const replayed = run(loaded, ...TWO_CALLS.map((event) => asAction("a1", event)));
    expect(replayed.tree.messages.a1?.toolCalls).toEqual(EXPECTED);
  });

  it("does not fail on a run event it does not know, and changes nothing for it", () => {
    const before = run(initialChatSession("conv"), loadedReply({ status: "streaming", content: "ab" }));
    const after = run(
      before,
      asAction("a1", { id: 4, event: "reasoning.delta", data: { text: "x" } } as never),
    );
    expect(after.tree).toBe(before.tree);
    expect(after.citations).toBe(before.citations);
  });
});

describe("what the thread shows of tool calls and results", () => {
  it("pretty-prints arguments that parse as a JSON object or array, and shows any other text as written", () => {
    expect(formatToolText('{"city":"Paris","days":[1,2]}')).toEqual({
      text: '{\n  "city": "Paris",\n  "days": [\n    1,\n    2\n  ]\n}',
      preview: '{"city":"Paris","days":[1,2]}',
      json: true,
    });
    expect(formatToolText(' [ {"a": 1} ] ').text).toBe('[\n  {\n    "a": 1\n  }\n]');
    // Arguments still being written, a plain result, and a JSON scalar stay as they are.
    expect(formatToolText('{"city": "Par')).toEqual({
      text: '{"city": "Par',
      preview: '{"city": "Par',
      json: false,
    });
    expect(formatToolText("21 °C\n  light rain")).toEqual({
      text: "21 °C\n  light rain",
      preview: "21 °C light rain",
      json: false,
    });
    expect(formatToolText("42")).toMatchObject({ text: "42", json: false });
    expect(formatToolText("")).toEqual({ text: "", preview: "", json: false });
  });

  it("cuts a folded header's preview short, so a call that carries a whole file stays one short line", () => {
    const { preview, text } = formatToolText(JSON.stringify({ path: "a.ts", content: "x".repeat(5000) }));
    expect(preview).toHaveLength(TOOL_PREVIEW_CHARS);
    expect(preview.endsWith("…")).toBe(true);
    expect(text).toContain("x".repeat(5000));
  });

  it("folds a result of more than 8 lines or 600 characters, and shows a shorter one in full", () => {
    expect(isLongToolText("one line")).toBe(false);
    expect(isLongToolText(Array(8).fill("line").join("\n"))).toBe(false);
    expect(isLongToolText(Array(9).fill("line").join("\n"))).toBe(true);
    expect(isLongToolText("x".repeat(600))).toBe(false);
    expect(isLongToolText("x".repeat(601))).toBe(true);
  });

  it("names a result after the tool whose call in the thread it answers, else after the call's id", () => {
    const calls = toolCallsById([
      { toolCalls: [] },
      { toolCalls: EXPECTED },
      {},
      { toolCalls: [{ id: "call_3", name: "read_file", arguments: "{}" }] },
    ]);
    expect([...calls.keys()]).toEqual(["call_1", "call_2", "call_3"]);
    expect(toolResultSubject("call_2", calls.get("call_2")?.name)).toEqual({ kind: "tool", text: "search" });
    expect(toolResultSubject("call_9", calls.get("call_9")?.name)).toEqual({ kind: "call", text: "call_9" });
    expect(toolResultSubject(undefined, undefined)).toBeNull();
  });
});
