// The chat session controller against a scripted API and scripted run streams: which runs it follows, and how
// many streams it opens for each, when a reload of the conversation lands while a message is on its way.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { RunEvent, RunEventDataMap } from "../../src/core/run-event.js";
import type { ConversationDetail, TreeMessage } from "../../web/src/api/parley-api.js";
import type { RunStream, RunStreamHandlers, RunStreamOutcome } from "../../web/src/api/run-stream-client.js";
import { ChatSessionController } from "../../web/src/chat/chat-session-controller.js";
import {
  type ChatSessionState,
  chatSessionReducer,
  initialChatSession,
  temporaryMessage,
} from "../../web/src/chat/chat-session-state.js";
import { visibleThread } from "../../web/src/chat/message-tree.js";

const api = vi.hoisted(() => ({
  getConversation: vi.fn<(id: string) => Promise<unknown>>(),
  createConversation: vi.fn<() => Promise<{ id: string }>>(),
  stopRun: vi.fn<(runId: string) => Promise<unknown>>(),
}));
const streams = vi.hoisted(() => ({
  startRunStream: vi.fn<(url: string, body: unknown, handlers: unknown) => unknown>(),
  resumeRunStream: vi.fn<(runId: string, afterEventId: number, handlers: unknown) => unknown>(),
}));

vi.mock("../../web/src/api/parley-api.js", () => api);
vi.mock("../../web/src/api/run-stream-client.js", () => streams);

/** A run stream the test drives: it delivers the events it is given, and ends when told. */
class ScriptedStream implements RunStream {
  readonly handlers: RunStreamHandlers;
  readonly done: Promise<RunStreamOutcome>;
  runId: string | null;
  lastEventId = 0;
  closed = false;
  #end!: (outcome: RunStreamOutcome) => void;

  constructor(handlers: RunStreamHandlers, runId: string | null) {
    this.handlers = handlers;
    this.runId = runId;
    this.done = new Promise((resolve) => {
      this.#end = resolve;
    });
  }

  emit<Name extends keyof RunEventDataMap>(event: Name, data: RunEventDataMap[Name]): void {
    this.lastEventId++;
    const runEvent = { id: this.lastEventId, event, data } as RunEvent;
    if (runEvent.event === "run.start") this.runId = runEvent.data.runId;
    this.handlers.onEvent(runEvent);
  }

  end(): void {
    this.#end({ kind: "ended", lastEvent: null });
  }

  close(): void {
    this.closed = true;
    this.#end({ kind: "closed" });
  }
}

/** Something the test resolves when it chooses: the moment a GET's answer arrives. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

function stored(
  id: string,
  parentId: string | null,
  role: "user" | "assistant",
  extra: Partial<TreeMessage> = {},
): TreeMessage {
  return {
    ...temporaryMessage(role, parentId, `${id} text`, null),
    id,
    conversationId: "conv",
    status: "complete",
    ...extra,
  };
}

function conversation(messages: TreeMessage[]): ConversationDetail {
  return {
    id: "conv",
    userId: "user",
    title: "A chat",
    botId: null,
    createdAt: 0,
    updatedAt: 0,
    messages: messages.map((message) => ({
      ...message,
      children: messages.filter((child) => child.parentId === message.id).map((child) => child.id),
    })),
  } as ConversationDetail;
}

const FIRST_EXCHANGE = [stored("u1", null, "user"), stored("a1", "u1", "assistant")];

function startEvent(runId: string, userMessageId: string, assistantMessageId: string) {
  return { runId, conversationId: "conv", userMessageId, assistantMessageId, model: "tiny" };
}

const END = {
  finishReason: "stop" as const,
  usage: { inputTokens: 1, outputTokens: 2 },
  timings: { ttftMs: 1, tokensPerSecond: 1 },
  model: "tiny",
};

let state: ChatSessionState;
let opened: { kind: "start" | "resume"; runId: string | null; stream: ScriptedStream }[];

function newController(): ChatSessionController {
  state = initialChatSession("conv");
  return new ChatSessionController({
    dispatch: (action) => {
      state = chatSessionReducer(state, action);
    },
    getState: () => state,
    getModel: () => "tiny",
    translate: () => (key) => key,
    onConversationCreated: () => {},
    onConversationsChanged: () => {},
    onRunEnded: () => {},
  });
}

/** The streams opened for a run, however they learnt its id. */
function streamsOf(runId: string) {
  return opened.filter((entry) => (entry.runId ?? entry.stream.runId) === runId && !entry.stream.closed);
}

const shownThread = () => visibleThread(state.tree, state.selection).map((message) => message.content);

beforeEach(() => {
  opened = [];
  // Text is taken once per frame; here a frame is a macrotask.
  vi.stubGlobal("requestAnimationFrame", (callback: () => void) => setTimeout(callback, 0));
  vi.stubGlobal("cancelAnimationFrame", (handle: ReturnType<typeof setTimeout>) => clearTimeout(handle));
  streams.startRunStream.mockImplementation((_url, _body, handlers) => {
    const stream = new ScriptedStream(handlers as RunStreamHandlers, null);
    opened.push({ kind: "start", runId: null, stream });
    return stream;
  });
  streams.resumeRunStream.mockImplementation((runId, _after, handlers) => {
    const stream = new ScriptedStream(handlers as RunStreamHandlers, runId);
    opened.push({ kind: "resume", runId, stream });
    return stream;
  });
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.resetAllMocks();
});

const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("the chat session controller", () => {
  it("follows a sent message's run with one stream when a reload of the conversation lands before run.start", async () => {
    const controller = newController();
    api.getConversation.mockResolvedValueOnce(conversation(FIRST_EXCHANGE));
    await controller.refresh();

    // The message goes out; the server stores it and starts its run, but run.start has not reached the page.
    await controller.send("second");
    const [post] = opened;
    expect(post?.kind).toBe("start");
    const answer = deferred<ConversationDetail>();
    api.getConversation.mockReturnValueOnce(answer.promise);
    const reload = controller.refresh();
    answer.resolve(
      conversation([
        ...FIRST_EXCHANGE,
        stored("u2", "a1", "user", { content: "second" }),
        stored("a2", "u2", "assistant", { content: "", status: "streaming", runId: "run_2" }),
      ]),
    );
    await reload;
    // The reload lists run_2 streaming under ids this page does not know yet: it must not follow it a second time.
    expect(streamsOf("run_2")).toHaveLength(0);

    post?.stream.emit("run.start", startEvent("run_2", "u2", "a2"));
    post?.stream.emit("text.delta", { text: "abc" });
    post?.stream.emit("text.delta", { text: "def" });
    await settle();
    expect(opened.map((entry) => entry.kind)).toEqual(["start"]);
    expect(streamsOf("run_2")).toHaveLength(1);
    expect(shownThread()).toEqual(["u1 text", "a1 text", "second", "abcdef"]);
    // No stray copy of the exchange is left as a branch beside it.
    expect(state.tree.messages.a1?.children).toEqual(["u2"]);

    post?.stream.emit("run.end", END);
    post?.stream.end();
    api.getConversation.mockResolvedValue(
      conversation([
        ...FIRST_EXCHANGE,
        stored("u2", "a1", "user", { content: "second" }),
        stored("a2", "u2", "assistant", { content: "abcdef", runId: "run_2" }),
      ]),
    );
    await settle();
    expect(shownThread()).toEqual(["u1 text", "a1 text", "second", "abcdef"]);
    expect(opened).toHaveLength(1);
    controller.dispose();
  });

  it("still attaches to other runs in flight that the held-back reload listed, once the sent message's run started", async () => {
    const controller = newController();
    api.getConversation.mockResolvedValueOnce(conversation(FIRST_EXCHANGE));
    await controller.refresh();

    // A regenerate started in another tab (run_9) is streaming too.
    await controller.send("second");
    api.getConversation.mockResolvedValueOnce(
      conversation([
        ...FIRST_EXCHANGE,
        stored("a9", "u1", "assistant", { content: "xy", status: "streaming", runId: "run_9" }),
        stored("u2", "a1", "user", { content: "second" }),
        stored("a2", "u2", "assistant", { content: "", status: "streaming", runId: "run_2" }),
      ]),
    );
    await controller.refresh();
    expect(opened).toHaveLength(1);

    opened[0]?.stream.emit("run.start", startEvent("run_2", "u2", "a2"));
    expect(opened.map((entry) => [entry.kind, entry.runId ?? entry.stream.runId])).toEqual([
      ["start", "run_2"],
      ["resume", "run_9"],
    ]);
    controller.dispose();
  });

  it("takes a run's tool_call events into its reply's calls once per frame, with the text, and passes over events it does not know", async () => {
    const controller = newController();
    api.getConversation.mockResolvedValueOnce(conversation(FIRST_EXCHANGE));
    await controller.refresh();
    await controller.send("weather?");
    const [post] = opened;
    post?.stream.emit("run.start", startEvent("run_2", "u2", "a2"));
    post?.stream.emit("text.delta", { text: "Checking." });
    post?.stream.emit("tool_call.start", { index: 0, id: "call_1", name: "get_weather" });
    post?.stream.emit("tool_call.delta", { index: 0, arguments: '{"city":' });
    post?.stream.handlers.onEvent({ id: 90, event: "reasoning.delta", data: { text: "hm" } } as never);
    post?.stream.emit("tool_call.delta", { index: 0, arguments: '"Paris"}' });
    // Nothing yet: arguments, like text, reach the page at the next frame.
    expect(state.tree.messages.a2?.toolCalls).toBeUndefined();
    await settle();
    expect(state.tree.messages.a2).toMatchObject({
      content: "Checking.",
      status: "streaming",
      toolCalls: [{ id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' }],
    });

    post?.stream.emit("run.end", { ...END, finishReason: "tool_calls" });
    expect(state.tree.messages.a2).toMatchObject({ status: "complete", finishReason: "tool_calls" });
    api.getConversation.mockResolvedValue(conversation(FIRST_EXCHANGE));
    post?.stream.end();
    await settle();
    controller.dispose();
  });
});
