/**
 * Two `parley serve` instances on one PostgreSQL database and one Redis, as behind a load balancer: a reply one of
 * them writes is followed live and stopped from the other, an account deleted through the other has its reply stopped
 * first, and a per-minute limit counts requests to both at once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTemporaryPostgresDatabases } from "../src/store/test-support/use-temporary-postgres-databases.js";
import { type FaultUpstream, startFaultUpstream, TOOL_CALL_ARGUMENTS } from "./support/fault-upstream.js";
import { type ParleyProcess, startParley, temporaryDirectory } from "./support/parley-process.js";
import { useTestRedis } from "./support/redis-test-server.js";
import { faultModel, openAIProvider, writeRemoteConfig } from "./support/remote-config.js";
import { openStream, type ReceivedEvent, textOf } from "./support/sse-client.js";
import { unusedPort } from "./support/unused-port.js";

/** The slow model's reply: 200 "x", one every SLOW_DELTA_MS, some 4 s in all. */
const SLOW_REPLY = "x".repeat(200);
const SLOW_DELTA_MS = 20;
const LIMIT_PER_MINUTE = 3;
/** Between the deltas (and tool-call pieces) of every other reply: a call is streamed over some 300 ms. */
const DELTA_DELAY_MS = 60;

const redis = useTestRedis();
const databases = useTemporaryPostgresDatabases();
const skipped = process.env.PARLEY_TEST_REDIS === "skip" || process.env.PARLEY_TEST_POSTGRES === "skip";

let upstream: FaultUpstream;
let first: ParleyProcess;
let second: ParleyProcess;
let startInstance: () => Promise<ParleyProcess>;
/** The admin's session, good on both instances (sessions live in the shared database). */
let admin: string;

beforeAll(async () => {
  if (skipped) return;
  upstream = await startFaultUpstream({ slowDeltaMs: SLOW_DELTA_MS, deltaDelayMs: DELTA_DELAY_MS });
  const databaseUrl = await databases.create();
  startInstance = async () => {
    const dataDir = temporaryDirectory();
    writeRemoteConfig(dataDir, {
      providers: [
        openAIProvider("upstream", upstream, [
          faultModel("slow", "slow@long"),
          faultModel("ok", "ok@quick"),
          faultModel("tools", "tools@calls"),
        ]),
      ],
      // The slow reply is cut by a stop, never by a timeout on a loaded machine.
      failover: { idleTimeoutMs: 10_000 },
      // A killed instance is found out (and its reply recovered) within a second.
      runs: { heartbeatSeconds: 0.5, heartbeatTimeoutSeconds: 2, recoverySweepSeconds: 0.5 },
    });
    return startParley({
      dataDir,
      accounts: true,
      // Remote models are ready at once; waiting for them would need an account.
      waitForModels: false,
      env: { PARLEY_DATABASE_URL: databaseUrl, PARLEY_REDIS_URL: redis.url() },
    });
  };
  first = await startInstance();
  second = await startInstance();
  const setup = await first.api(
    "/api/auth/setup",
    jsonBody({ email: "admin@example.com", password: "admin-password" }),
  );
  expect(setup.status).toBe(201);
  admin = (setup.headers.get("set-cookie") ?? "").split(";")[0] as string;
});

afterAll(async () => {
  await Promise.all([first?.stop(), second?.stop()]);
  await upstream?.close();
});

function jsonBody(body: unknown, cookie?: string): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/json", ...(cookie && { cookie }) },
    body: JSON.stringify(body),
  };
}

async function createConversation(parley: ParleyProcess, cookie: string): Promise<string> {
  const response = await parley.api("/api/conversations", jsonBody({}, cookie));
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

function ask(parley: ParleyProcess, cookie: string, conversationId: string, model: string) {
  return openStream(`${parley.url}/api/conversations/${conversationId}/messages`, {
    method: "POST",
    headers: { cookie },
    body: JSON.stringify({ content: "write", model }),
  });
}

/** Starts the slow reply on `parley` and reads its first `count` events. */
async function startSlowReply(parley: ParleyProcess, count: number) {
  const conversationId = await createConversation(parley, admin);
  const head = await (await ask(parley, admin, conversationId, "slow")).events({ stopAfter: count });
  return { conversationId, runId: head[0]?.data.runId as string, head };
}

async function runOf(parley: ParleyProcess, runId: string): Promise<{ status: string }> {
  return parley.json(`/api/runs/${runId}`, { headers: { cookie: admin } });
}

function expectOnceInOrder(events: readonly ReceivedEvent[]) {
  expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1));
}

describe("instances sharing PostgreSQL and Redis", () => {
  it("follows a reply another instance is writing, live, from the middle: every later event once, in order, to run.end", async () => {
    const { runId, head } = await startSlowReply(first, 5);
    expect((await runOf(second, runId)).status).toBe("running");

    const rest = await (
      await openStream(`${second.url}/api/runs/${runId}/events`, {
        headers: { cookie: admin },
        lastEventId: head.length,
      })
    ).events();
    const all = [...head, ...rest];
    expectOnceInOrder(all);
    expect(rest[0]?.id).toBe(head.length + 1);
    expect(all.at(-1)).toMatchObject({ event: "run.end", data: { finishReason: "stop" } });
    expect(textOf(all)).toBe(SLOW_REPLY);
    // Followed to its end rather than replayed as far as the database had it.
    expect(all.filter((event) => event.event === "text.delta").length).toBe(SLOW_REPLY.length);

    // Replayed whole from either instance afterwards, the same events.
    const replayed = await (
      await openStream(`${second.url}/api/runs/${runId}/events`, {
        headers: { cookie: admin },
        lastEventId: 0,
      })
    ).events();
    expect(replayed).toEqual(all);
  });

  it("follows a reply that calls a tool, made through the OpenAI API of one instance, live from the other: the call whole, once, in order", async () => {
    const created = await first.api("/api/keys", jsonBody({ name: "tools" }, admin));
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    // Read as it comes, and held open until the end: a client that leaves a compatible stream stops its reply.
    const asked = await fetch(`${first.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "tools",
        stream: true,
        messages: [{ role: "user", content: "Weather in Paris?" }],
        tools: [
          {
            type: "function",
            function: { name: "get_weather", parameters: { type: "object", properties: {} } },
          },
        ],
      }),
    });
    expect(asked.status).toBe(200);
    const reader = (asked.body as ReadableStream<Uint8Array>).getReader();
    const opening = new TextDecoder().decode((await reader.read()).value);
    const runId = /"id":"chatcmpl-([^"]+)"/.exec(opening)?.[1] as string;
    expect((await runOf(second, runId)).status).toBe("running");

    const followed = await (
      await openStream(`${second.url}/api/runs/${runId}/events`, {
        headers: { cookie: admin },
        lastEventId: 0,
      })
    ).events();
    expectOnceInOrder(followed);
    const start = followed.filter((event) => event.event === "tool_call.start");
    expect(start.map((event) => event.data)).toEqual([
      { index: 0, id: expect.any(String), name: "get_weather" },
    ]);
    const pieces = followed.filter((event) => event.event === "tool_call.delta");
    // Each piece its own event, as the upstream streamed it, not gathered once the run was written down.
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.map((event) => event.data.arguments).join("")).toBe(TOOL_CALL_ARGUMENTS);
    expect(followed.at(-1)).toMatchObject({ event: "run.end", data: { finishReason: "tool_calls" } });
    while (!(await reader.read()).done);

    // The same events from the instance that wrote them, once it is done.
    const replayed = await (
      await openStream(`${first.url}/api/runs/${runId}/events`, {
        headers: { cookie: admin },
        lastEventId: 0,
      })
    ).events();
    expect(replayed).toEqual(followed);
  });

  it("stops a reply when the stop is sent to the instance not writing it, answering with the run as it ended", async () => {
    const { conversationId, runId, head } = await startSlowReply(first, 5);
    const sentAt = Date.now();
    const stopped = await second.api(`/api/runs/${runId}/stop`, jsonBody({}, admin));
    expect(stopped.status).toBe(200);
    expect(await stopped.json()).toMatchObject({ id: runId, status: "stopped" });
    // Well before the reply would have ended by itself.
    expect(Date.now() - sentAt).toBeLessThan(SLOW_REPLY.length * SLOW_DELTA_MS);

    expect((await runOf(first, runId)).status).toBe("stopped");
    const replay = await (
      await openStream(`${first.url}/api/runs/${runId}/events`, {
        headers: { cookie: admin },
        lastEventId: 0,
      })
    ).events();
    expectOnceInOrder(replay);
    expect(replay.slice(0, head.length)).toEqual(head);
    expect(replay.at(-1)).toMatchObject({ event: "run.end", data: { finishReason: "stopped" } });
    const conversation = await first.json<{ messages: { role: string; status: string; content: string }[] }>(
      `/api/conversations/${conversationId}`,
      { headers: { cookie: admin } },
    );
    const reply = conversation.messages.find((message) => message.role === "assistant");
    expect(reply?.status).toBe("stopped");
    expect(reply?.content).toBe(textOf(replay));
    expect(reply?.content.length).toBeLessThan(SLOW_REPLY.length);
  });

  it("ends a reply whose instance was killed, followed from another, after every event the follower saw, keeping all its text", async () => {
    const doomed = await startInstance();
    try {
      const { conversationId, runId, head } = await startSlowReply(doomed, 5);
      const following = (
        await openStream(`${second.url}/api/runs/${runId}/events`, {
          headers: { cookie: admin },
          lastEventId: head.length,
        })
      ).events();
      // Killed mid-reply: what it had published to Redis may be ahead of what it had stored.
      await new Promise((resolve) => setTimeout(resolve, 40 * SLOW_DELTA_MS));
      await doomed.stop("SIGKILL");

      const all = [...head, ...(await following)];
      expectOnceInOrder(all);
      expect(all.at(-1)).toMatchObject({ event: "run.error", data: { code: "interrupted" } });
      const seen = textOf(all);
      expect(seen.length).toBeGreaterThan(10);
      const conversation = await second.json<{
        messages: { role: string; status: string; content: string }[];
      }>(`/api/conversations/${conversationId}`, { headers: { cookie: admin } });
      const reply = conversation.messages.find((message) => message.role === "assistant");
      expect(reply).toMatchObject({ status: "interrupted", content: seen });
    } finally {
      await doomed.stop("SIGKILL").catch(() => {});
    }
  });

  it("deletes an account through one instance after stopping its reply on the other and writing it down", async () => {
    const created = await first.api(
      "/api/users",
      jsonBody({ email: "leaving@example.com", password: "leaving-password" }, admin),
    );
    expect(created.status).toBe(201);
    const userId = ((await created.json()) as { user: { id: string } }).user.id;
    const login = await first.api(
      "/api/auth/login",
      jsonBody({ email: "leaving@example.com", password: "leaving-password" }),
    );
    const user = (login.headers.get("set-cookie") ?? "").split(";")[0] as string;
    const conversationId = await createConversation(first, user);
    const head = await (await ask(first, user, conversationId, "slow")).events({ stopAfter: 5 });
    const runId = head[0]?.data.runId as string;
    // Followed on the instance writing it, from before the deletion: ending the account's sessions ends no stream.
    const following = (
      await openStream(`${first.url}/api/runs/${runId}/events`, {
        headers: { cookie: user },
        lastEventId: head.length,
      })
    ).events();

    const deleted = await second.api(`/api/users/${userId}`, {
      method: "DELETE",
      headers: { cookie: admin },
    });
    expect(deleted.status).toBe(200);
    expect(((await deleted.json()) as { deleted: { conversations: number } }).deleted.conversations).toBe(1);
    const all = [...head, ...(await following)];
    expectOnceInOrder(all);
    expect(all.at(-1)).toMatchObject({ event: "run.end", data: { finishReason: "stopped" } });
    expect(textOf(all).length).toBeLessThan(SLOW_REPLY.length);
    expect((await first.api(`/api/runs/${runId}`, { headers: { cookie: admin } })).status).toBe(404);
  });

  it(`shares a per-minute limit of ${LIMIT_PER_MINUTE}: requests to both instances count once, and the next gets 429 on either`, async () => {
    const created = await first.api(
      "/api/users",
      jsonBody({ email: "limited@example.com", password: "limited-password" }, admin),
    );
    expect(created.status).toBe(201);
    const userId = ((await created.json()) as { user: { id: string } }).user.id;
    const patched = await first.api(`/api/users/${userId}`, {
      ...jsonBody({ requestsPerMinute: LIMIT_PER_MINUTE }, admin),
      method: "PATCH",
    });
    expect(patched.status).toBe(200);
    const login = await second.api(
      "/api/auth/login",
      jsonBody({ email: "limited@example.com", password: "limited-password" }),
    );
    const user = (login.headers.get("set-cookie") ?? "").split(";")[0] as string;
    const conversationId = await createConversation(first, user);

    for (const parley of [first, second, first]) {
      const stream = await ask(parley, user, conversationId, "ok");
      expect(stream.response.status).toBe(200);
      expect(textOf(await stream.events())).toBe("Hello from ok@quick.");
    }
    for (const parley of [second, first]) {
      const limited = await ask(parley, user, conversationId, "ok");
      expect(limited.response.status).toBe(429);
      expect(Number(limited.response.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(((await limited.response.json()) as { error: { message: string } }).error.message).toMatch(
        `${LIMIT_PER_MINUTE} replies a minute`,
      );
    }
  });
});

describe("parley serve given a Redis it cannot reach", () => {
  it("says where it looked, without the password, and exits", async () => {
    const port = await unusedPort();
    const starting = startParley({ env: { PARLEY_REDIS_URL: `redis://:secret@127.0.0.1:${port}` } });
    await expect(starting).rejects.toThrow(
      `parley: Cannot connect to Redis at redis://:***@127.0.0.1:${port}`,
    );
    await expect(starting).rejects.not.toThrow(/secret/);
  });
});
