import { beforeAll, describe, expect, it } from "vitest";
import { createConversation, type ParleyProcess, startParley } from "./support/parley-process.js";
import { ALPHABET, openStream, postMessage, type ReceivedEvent, textOf } from "./support/sse-client.js";
import { writeTestModels } from "./support/test-models.js";

let parley: ParleyProcess;

beforeAll(async () => {
  // One sequence per engine: a stopped run that kept generating would hold the only sequence.
  parley = await startParley({ prepare: (dir) => writeTestModels(dir, { sequences: 1 }) });
  return () => parley.stop();
});

async function startRun(model: string, content = "go") {
  const conversationId = await createConversation(parley);
  return { conversationId, stream: await postMessage(parley, conversationId, { content, model }) };
}

function resume(runId: string, lastEventId: number) {
  return openStream(`${parley.url}/api/runs/${runId}/events`, { lastEventId });
}

async function storedReply(conversationId: string) {
  const conversation = await parley.json<{ messages: { role: string; content: string; status: string }[] }>(
    `/api/conversations/${conversationId}`,
  );
  return conversation.messages.find((message) => message.role === "assistant");
}

function expectExactlyOnce(before: ReceivedEvent[], after: ReceivedEvent[]) {
  const ids = [...before, ...after].map((event) => event.id);
  expect(ids).toEqual(ids.map((_, index) => index + 1));
  expect(after.at(-1)?.event).toMatch(/^run\.(end|error)$/);
}

describe("resuming a run with Last-Event-ID", () => {
  it("gives a client that left after 3 events the rest of a finished run exactly once", async () => {
    const { conversationId, stream } = await startRun("tiny");
    const firstThree = await stream.events({ stopAfter: 3 });
    const runId = firstThree[0]?.data.runId as string;
    // Let the run finish on the server while nobody listens.
    await waitForStatus(runId, "completed");

    const rest = await (await resume(runId, 3)).events();
    expectExactlyOnce(firstThree, rest);
    expect(textOf([...firstThree, ...rest])).toBe(ALPHABET);
    expect((await storedReply(conversationId))?.content).toBe(ALPHABET);
  });

  it("gives a client that left after 3 events of a live run the rest exactly once, then follows it live", async () => {
    const { conversationId, stream } = await startRun("tiny-loop");
    const firstThree = await stream.events({ stopAfter: 3 });
    const runId = firstThree[0]?.data.runId as string;
    const resumed = await resume(runId, 3);
    expect(resumed.response.status).toBe(200);
    const rest = await resumed.events();
    expectExactlyOnce(firstThree, rest);
    const text = textOf([...firstThree, ...rest]);
    expect(text.startsWith(`${ALPHABET}\n${ALPHABET}\n`)).toBe(true);
    expect(rest.at(-1)).toMatchObject({ event: "run.end", data: { finishReason: "length" } });
    expect((await storedReply(conversationId))?.content).toBe(text);
  });

  it("accepts ?after= as well as the header, and answers 204 when nothing is left", async () => {
    const { stream } = await startRun("tiny");
    const all = await stream.events();
    const runId = all[0]?.data.runId as string;
    const tail = await (
      await openStream(`${parley.url}/api/runs/${runId}/events?after=${all.length - 2}`)
    ).events();
    expect(tail.map((event) => event.id)).toEqual([all.length - 1, all.length]);
    const nothing = await parley.api(`/api/runs/${runId}/events`, {
      headers: { "last-event-id": String(all.length) },
    });
    expect(nothing.status).toBe(204);
  });

  it("refuses a Last-Event-ID that is not a number or lies beyond the end of the run", async () => {
    const { stream } = await startRun("tiny");
    const all = await stream.events();
    const runId = all[0]?.data.runId as string;
    for (const bad of ["abc", "-1", "1.5", String(all.length + 1)]) {
      const response = await parley.api(`/api/runs/${runId}/events`, { headers: { "last-event-id": bad } });
      expect(response.status, bad).toBe(400);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("invalid_last_event_id");
      expect(body.error.message).toMatch(/Last-Event-ID/);
    }
    expect((await parley.api("/api/runs/run_unknown/events")).status).toBe(404);
  });
});

describe("stopping a run", () => {
  it("ends a looping run within 200 ms with finishReason stopped, keeps the text, and frees the engine", async () => {
    const { conversationId, stream } = await startRun("tiny-loop");
    const firstEvents = await stream.events({ stopAfter: 20 });
    const runId = firstEvents[0]?.data.runId as string;
    const follower = await resume(runId, 20);
    const stoppedAt = performance.now();
    const stop = await parley.api(`/api/runs/${runId}/stop`, { method: "POST" });
    expect(stop.status).toBe(200);
    const rest = await follower.events();
    const elapsed = performance.now() - stoppedAt;
    expect(elapsed).toBeLessThan(200);
    expect(rest.at(-1)).toMatchObject({ event: "run.end", data: { finishReason: "stopped" } });
    expect(((await stop.json()) as { status: string }).status).toBe("stopped");

    const stored = await storedReply(conversationId);
    expect(stored?.status).toBe("stopped");
    expect(stored?.content).toBe(textOf([...firstEvents, ...rest]));

    // The engine has one sequence: the next reply can only come if the stopped one stopped generating.
    const next = await startRun("tiny-loop");
    const nextEvents = await next.stream.events({ stopAfter: 5 });
    expect(textOf(nextEvents).length).toBeGreaterThan(0);
    await parley.api(`/api/runs/${nextEvents[0]?.data.runId}/stop`, { method: "POST" });
  });

  it("reads as ended from the moment its last event arrives, while it is still being put away", async () => {
    for (let round = 0; round < 5; round++) {
      const { stream } = await startRun("tiny");
      const events = await stream.events();
      expect(events.at(-1)?.event).toBe("run.end");
      const run = await parley.json<{ status: string; endedAt: number | null }>(
        `/api/runs/${events[0]?.data.runId}`,
      );
      expect(run).toMatchObject({ status: "completed", endedAt: expect.any(Number) });
    }
  });

  it("answers a stop of a finished run with its final status", async () => {
    const { stream } = await startRun("tiny");
    const events = await stream.events();
    const response = await parley.api(`/api/runs/${events[0]?.data.runId}/stop`, { method: "POST" });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { status: string }).status).toBe("completed");
  });
});

async function waitForStatus(runId: string, status: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const run = await parley.json<{ status: string }>(`/api/runs/${runId}`);
    if (run.status === status) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`run ${runId} did not reach ${status}`);
}
