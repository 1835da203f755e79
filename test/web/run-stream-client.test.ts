// The browser's run stream client, against scripted responses: one POST, resumes with Last-Event-ID, every
// event delivered once and in order.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { RunEvent } from "../../src/core/run-event.js";
import { ApiError } from "../../web/src/api/api-error.js";
import { resumeRunStream, startRunStream } from "../../web/src/api/run-stream-client.js";

type Call = { url: string; method: string; lastEventId: string | null };
type Script = (call: Call) => Response | Promise<Response>;

let calls: Call[];

function useServer(...responses: Script[]) {
  calls = [];
  vi.stubGlobal("fetch", async (url: string, init: RequestInit = {}) => {
    const call = {
      url,
      method: init.method ?? "GET",
      lastEventId: new Headers(init.headers).get("last-event-id"),
    };
    calls.push(call);
    const respond = responses[calls.length - 1];
    if (!respond) throw new Error(`unexpected request ${calls.length}: ${call.method} ${url}`);
    return respond(call);
  });
}

function frame(id: number, event: string, data: unknown): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

const START = {
  runId: "run_1",
  conversationId: "c",
  userMessageId: "u",
  assistantMessageId: "a",
  model: "m",
};
const END = {
  finishReason: "stop",
  usage: { inputTokens: 1, outputTokens: 3 },
  timings: { ttftMs: 1, tokensPerSecond: 1 },
};

/** An event stream of `frames`, split mid-frame as the network does, and cut like a dropped connection when `cut` is set. */
function stream(frames: string[], options: { cut?: boolean } = {}): () => Response {
  return () => {
    const text = `: ping\n\n${frames.join("")}`;
    const middle = Math.floor(text.length / 2);
    const chunks = [text.slice(0, middle), text.slice(middle)];
    return new Response(
      new ReadableStream({
        pull(controller) {
          const chunk = chunks.shift();
          if (chunk !== undefined) controller.enqueue(new TextEncoder().encode(chunk));
          else if (options.cut) controller.error(new TypeError("network error"));
          else controller.close();
        },
      }),
      { headers: { "content-type": "text/event-stream; charset=utf-8" } },
    );
  };
}

function collect() {
  const events: RunEvent[] = [];
  const states: string[] = [];
  return {
    events,
    states,
    handlers: {
      onEvent: (event: RunEvent) => events.push(event),
      onConnectionChange: (state: string) => states.push(state),
    },
  };
}

const FAST = { retryDelaysMs: [1] };

beforeEach(() => {
  vi.stubGlobal("window", new EventTarget());
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("startRunStream", () => {
  it("resumes a cut stream with Last-Event-ID and delivers each event once", async () => {
    useServer(
      stream(
        [
          frame(1, "run.start", START),
          frame(2, "text.delta", { text: "ab" }),
          frame(3, "text.delta", { text: "c" }),
        ],
        {
          cut: true,
        },
      ),
      // The resume repeats event 3: the client must not show its text twice.
      stream([
        frame(3, "text.delta", { text: "c" }),
        frame(4, "text.delta", { text: "d" }),
        frame(5, "run.end", END),
      ]),
    );
    const { events, states, handlers } = collect();
    const run = startRunStream("/api/conversations/c/messages", { content: "hi" }, handlers, FAST);
    const outcome = await run.done;

    expect(outcome.kind).toBe("ended");
    expect(events.map((event) => event.id)).toEqual([1, 2, 3, 4, 5]);
    expect(events.flatMap((event) => (event.event === "text.delta" ? [event.data.text] : [])).join("")).toBe(
      "abcd",
    );
    expect(calls.map((call) => [call.method, call.url, call.lastEventId])).toEqual([
      ["POST", "/api/conversations/c/messages", null],
      ["GET", "/api/runs/run_1/events", "3"],
    ]);
    expect(states).toEqual(["open", "reconnecting", "open"]);
    expect(run.runId).toBe("run_1");
    expect(run.lastEventId).toBe(5);
  });

  it("never sends the POST again when it failed before any answer", async () => {
    useServer(() => {
      throw new TypeError("Failed to fetch");
    });
    const { events, handlers } = collect();
    const outcome = await startRunStream("/api/conversations/c/messages", {}, handlers, FAST).done;
    expect(outcome).toMatchObject({ kind: "failed", runStarted: false });
    expect(calls).toHaveLength(1);
    expect(events).toEqual([]);
  });

  it("reports the server's refusal of the POST without retrying it", async () => {
    useServer(() =>
      Response.json({ error: { code: "model_unavailable", message: "No model." } }, { status: 503 }),
    );
    const outcome = await startRunStream("/api/conversations/c/messages", {}, collect().handlers, FAST).done;
    expect(outcome.kind).toBe("failed");
    if (outcome.kind === "failed") {
      expect(outcome.error).toBeInstanceOf(ApiError);
      expect((outcome.error as ApiError).code).toBe("model_unavailable");
    }
    expect(calls).toHaveLength(1);
  });

  it("retries a resume the server cannot answer yet, and ends on 204 when nothing is left", async () => {
    useServer(
      stream([frame(1, "run.start", START), frame(2, "text.delta", { text: "a" })]),
      () => new Response("starting", { status: 503 }),
      () => {
        throw new TypeError("Failed to fetch");
      },
      () => new Response(null, { status: 204 }),
    );
    const outcome = await startRunStream("/api/conversations/c/messages", {}, collect().handlers, FAST).done;
    expect(outcome).toMatchObject({ kind: "ended" });
    expect(calls.map((call) => call.lastEventId)).toEqual([null, "2", "2", "2"]);
  });
  it("delivers tool_call events like text, and passes over an event it does not know without failing or asking for it again", async () => {
    useServer(
      stream(
        [
          frame(1, "run.start", START),
          frame(2, "tool_call.start", { index: 0, id: "call_1", name: "get_weather" }),
          frame(3, "reasoning.delta", "not even JSON"),
          frame(4, "tool_call.delta", { index: 0, arguments: "{}" }),
          frame(5, "future.thing", { x: 1 }),
        ],
        { cut: true },
      ),
      stream([frame(6, "run.end", { ...END, finishReason: "tool_calls" })]),
    );
    const { events, handlers } = collect();
    const outcome = await startRunStream("/api/x", {}, handlers, FAST).done;
    expect(outcome.kind).toBe("ended");
    expect(events.map((event) => [event.id, event.event])).toEqual([
      [1, "run.start"],
      [2, "tool_call.start"],
      [4, "tool_call.delta"],
      [6, "run.end"],
    ]);
    expect(events[1]?.data).toEqual({ index: 0, id: "call_1", name: "get_weather" });
    // The resume starts after the last event that arrived, known or not.
    expect(calls[1]?.lastEventId).toBe("5");
  });
});

describe("resumeRunStream", () => {
  it("follows a run from its first event, as the page does when it reattaches after a reload", async () => {
    useServer(
      stream([frame(1, "run.start", START), frame(2, "text.delta", { text: "x" }), frame(3, "run.end", END)]),
    );
    const { events, handlers } = collect();
    const outcome = await resumeRunStream("run_1", 0, handlers, FAST).done;
    expect(outcome.kind).toBe("ended");
    expect(events.map((event) => event.event)).toEqual(["run.start", "text.delta", "run.end"]);
    expect(calls[0]?.lastEventId).toBe("0");
  });

  it("gives up on a run the server says it cannot resume from there", async () => {
    useServer(() =>
      Response.json({ error: { code: "invalid_last_event_id", message: "beyond the end" } }, { status: 400 }),
    );
    const outcome = await resumeRunStream("run_1", 50, collect().handlers, FAST).done;
    expect(outcome).toMatchObject({ kind: "failed", runStarted: true });
  });

  it("stops reading when closed, leaving the run to the server", async () => {
    useServer(() => new Response(new ReadableStream(), { headers: { "content-type": "text/event-stream" } }));
    const run = resumeRunStream("run_1", 0, collect().handlers, FAST);
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    run.close();
    expect(await run.done).toEqual({ kind: "closed" });
  });
});
