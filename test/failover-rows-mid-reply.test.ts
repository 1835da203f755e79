/**
 * Rows U9, U10, U11, U12 and U14 of reliability.md through a real Parley: a reply that stalls, breaks, ends without
 * its end marker, is too long for the model, or cannot be continued where it was cut.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { type Answer, ask, expectStillServing, sendMessage } from "./support/ask-parley.js";
import type { FaultUpstream } from "./support/fault-upstream.js";
import type { ParleyProcess } from "./support/parley-process.js";
import { anthropicProvider, faultModel, openAIProvider } from "./support/remote-config.js";
import { startRemoteParley } from "./support/remote-parley.js";

const IDLE_TIMEOUT_MS = 300;

let upstream: FaultUpstream;
let parley: ParleyProcess;

beforeAll(async () => {
  const toBackup = { fallbacks: ["backup"] };
  const served = await startRemoteParley(
    (upstream) => ({
      failover: { maxAttempts: 2, firstTokenTimeoutMs: 5000, idleTimeoutMs: IDLE_TIMEOUT_MS },
      providers: [
        openAIProvider("openai-like", upstream, [
          faultModel("stall", "stall@u9", toBackup),
          faultModel("stall-alone", "stall@u9-alone"),
          faultModel("garbled", "malformed@u10", toBackup),
          faultModel("garbled-alone", "malformed@u10-alone"),
          faultModel("no-done", "no-done@u11"),
          faultModel("overflow", "context@u12", toBackup),
          faultModel("narrow", "ok@narrow", { contextWindow: 256 }),
          faultModel("cut-to-picky", "cut@u14", { fallbacks: ["picky"] }),
          faultModel("picky", "prefill-rejected@u14"),
        ]),
        anthropicProvider("claude-like", upstream, [
          faultModel("backup", "ok@backup"),
          faultModel("garbled-claude", "malformed@u10-claude", toBackup),
          faultModel("no-done-claude", "no-done@u11-claude", toBackup),
        ]),
      ],
    }),
    { upstream: { deltasBeforeFault: 2 } },
  );
  ({ parley, upstream } = served);
  return served.stop;
});

type Message = { role: string; content: string };
const lastMessageTo = (upstreamModel: string) =>
  (upstream.requestsFor(upstreamModel).at(-1)?.body.messages as Message[] | undefined)?.at(-1);

/** A reply cut after `text`, which no model finished: an error, never shown or stored as complete. */
function expectKeptIncomplete(answer: Answer, text: string, model: string): void {
  expect(answer.text).toBe(text);
  expect(answer.events.some((event) => event.event === "run.end")).toBe(false);
  expect(answer.end).toMatchObject({
    event: "run.error",
    data: { code: "reply_incomplete", retryable: true, model },
  });
  expect(answer.stored).toMatchObject({
    status: "incomplete",
    content: text,
    model,
    finishReason: null,
    error: { code: "reply_incomplete" },
  });
}

describe("faults in the middle of a reply, through Parley", () => {
  it("U9: a stream that stalls mid-answer hits the idle timeout, is cancelled, and the fallback finishes it", async () => {
    const answer = await ask(parley, "stall", "U9 stalls");
    expect(answer.text).toBe("Hello from ok@backup.");
    expect(answer.end).toMatchObject({ event: "run.end", data: { model: "backup", finishReason: "stop" } });
    expect(answer.stored).toMatchObject({
      status: "complete",
      model: "backup",
      content: "Hello from ok@backup.",
    });
    // The stall lasted the idle timeout, between the last word of the stalled model and the fallback's first.
    const deltas = answer.events.flatMap((event, index) => (event.event === "text.delta" ? [index] : []));
    const [, lastStalled, firstFallback] = deltas as [number, number, number];
    expect(answer.events[lastStalled]?.data.text).toBe(" from");
    const silence = (answer.eventTimes[firstFallback] ?? 0) - (answer.eventTimes[lastStalled] ?? 0);
    expect(silence).toBeGreaterThanOrEqual(IDLE_TIMEOUT_MS - 20);
    await expect.poll(() => upstream.requestsFor("stall@u9")[0]?.closedByClient).toBe(true);
    expect(upstream.requestsFor("stall@u9")).toHaveLength(1);
    expect(lastMessageTo("ok@backup")).toEqual({ role: "assistant", content: "Hello from" });
    await expectStillServing(parley, answer.conversationId);
  });

  it("U9: with no fallback, the stalled reply ends with run.error and its partial text is kept, marked incomplete", async () => {
    const answer = await ask(parley, "stall-alone", "U9 alone");
    expectKeptIncomplete(answer, "Hello from", "stall-alone");
    expect(answer.end?.data.message).toContain("stalled");
    // Its text was shown, so it is not asked again from the start (that would show the words twice).
    expect(upstream.requestsFor("stall@u9-alone")).toHaveLength(1);
    await expectStillServing(parley, answer.conversationId);
  });

  it.each([
    ["OpenAI", "garbled", "malformed@u10"],
    ["Anthropic", "garbled-claude", "malformed@u10-claude"],
  ])(
    "U10 (%s): a malformed chunk is an in-band error, not a crash: the fallback finishes the reply",
    async (_api, model, upstreamModel) => {
      const answer = await ask(parley, model, `U10 ${model}`);
      expect(answer.text).toBe("Hello from ok@backup.");
      expect(answer.end).toMatchObject({ event: "run.end", data: { model: "backup", finishReason: "stop" } });
      expect(answer.stored).toMatchObject({ status: "complete", model: "backup", content: answer.text });
      expect(upstream.requestsFor(upstreamModel)).toHaveLength(1);
      expect(lastMessageTo("ok@backup")).toEqual({ role: "assistant", content: "Hello from" });
      await expectStillServing(parley, answer.conversationId);
    },
  );

  it("U10: with no fallback, a malformed chunk ends the reply with run.error and the text before it kept", async () => {
    const answer = await ask(parley, "garbled-alone", "U10 alone");
    expectKeptIncomplete(answer, "Hello from", "garbled-alone");
    await expectStillServing(parley, answer.conversationId);
  });

  it("U11: a stream without [DONE] is a cut, not a success, even with every word and a finish reason", async () => {
    const answer = await ask(parley, "no-done", "U11 alone");
    expectKeptIncomplete(answer, "Hello from no-done@u11.", "no-done");
    await expectStillServing(parley, answer.conversationId);
  });

  it("U11: without message_stop, the fallback is given the whole text to finish, and has nothing to add", async () => {
    const answer = await ask(parley, "no-done-claude", "U11 fallback");
    expect(answer.text).toBe("Hello from no-done@u11-claude.");
    expect(answer.end).toMatchObject({ event: "run.end", data: { model: "backup", finishReason: "stop" } });
    expect(answer.stored).toMatchObject({ status: "complete", model: "backup", content: answer.text });
    expect(lastMessageTo("ok@backup")).toEqual({
      role: "assistant",
      content: "Hello from no-done@u11-claude.",
    });
    await expectStillServing(parley, answer.conversationId);
  });

  it("U12: an upstream's context-length error is a clear error: not resent, not routed to a fallback", async () => {
    const backupCalls = upstream.requestsFor("ok@backup").length;
    const answer = await ask(parley, "overflow", "U12 too long upstream");
    expect(answer.text).toBe("");
    expect(answer.end).toMatchObject({
      event: "run.error",
      data: { code: "context_length_exceeded", retryable: false, model: "overflow" },
    });
    expect(answer.stored).toMatchObject({
      status: "incomplete",
      content: "",
      error: { code: "context_length_exceeded" },
    });
    expect(upstream.requestsFor("context@u12")).toHaveLength(1);
    expect(upstream.requestsFor("ok@backup")).toHaveLength(backupCalls);
    await expectStillServing(parley, answer.conversationId);
  });

  it("U12: a message that cannot fit the model's window is refused with a 400 naming the fix, before anything is sent", async () => {
    const { conversationId, status, problem } = await sendMessage(parley, {
      model: "narrow",
      content: "word ".repeat(2000),
    });
    expect(status).toBe(400);
    expect(problem?.error.code).toBe("context_length_exceeded");
    expect(problem?.error.message).toContain("too long for narrow");
    expect(problem?.error.message).toContain("backup (8192 tokens)");
    expect(upstream.requestsFor("ok@narrow")).toHaveLength(0);
    await expectStillServing(parley, conversationId);
  });

  it("U12: a conversation grown past the model's window is trimmed, oldest turns first, and says so", async () => {
    const first = await ask(parley, "narrow", `U12 first ${"one ".repeat(120)}`);
    expect(first.stored?.status).toBe("complete");
    const second = await ask(parley, "narrow", `U12 second ${"two ".repeat(120)}`, {
      conversationId: first.conversationId,
    });
    expect(second.events[0]?.data.context).toMatchObject({ trimmedMessages: 2 });
    expect(second.stored).toMatchObject({ status: "complete", model: "narrow" });
    const sent = upstream.requestsFor("ok@narrow").at(-1)?.body.messages as Message[];
    expect(sent.map((message) => message.content.slice(0, 10))).toEqual(["U12 second"]);
  });

  it("U14: a fallback that rejects the prefill ends the reply with a clear error, the partial text kept", async () => {
    const answer = await ask(parley, "cut-to-picky", "U14 rejected");
    expectKeptIncomplete(answer, "Hello from", "cut-to-picky");
    expect(answer.end?.data.message).toContain("picky refused to continue it");
    expect(answer.end?.data.message).toContain("prefill");
    // A 400 is not retried, and the cut model is not asked again from the start.
    expect(upstream.requestsFor("prefill-rejected@u14")).toHaveLength(1);
    expect(upstream.requestsFor("cut@u14")).toHaveLength(1);
    expect(lastMessageTo("prefill-rejected@u14")).toEqual({ role: "assistant", content: "Hello from" });
    await expectStillServing(parley, answer.conversationId);
  });
});
