/**
 * API keys held to some models, on a real `parley serve` with accounts and two remote models of a fake
 * OpenAI-format upstream: what such a key may use, what it is refused (in each API's own error shape, before any
 * model is asked or anything stored), what it is shown, and that sessions and other keys are not held to it. A
 * model that does not exist is answered alike whatever the key, and refusals suggest only the key's own models.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { type Client, callAs } from "./support/call-as.js";
import type { FaultUpstream } from "./support/fault-upstream.js";
import { type ParleyProcess, startParley } from "./support/parley-process.js";
import { faultModel, openAIProvider } from "./support/remote-config.js";
import { startRemoteParley } from "./support/remote-parley.js";

let upstream: FaultUpstream;
let parley: ParleyProcess;
const admin: Client = {};
/** May use `cheap` only. */
let cheapKey: string;
let cheapKeyId: string;
/** May use every model. */
let openKey: string;

beforeAll(async () => {
  const served = await startRemoteParley(
    (upstream) => ({
      providers: [
        openAIProvider("upstream", upstream, [
          // First: the server's default when a request names no model.
          faultModel("smart", "ok@smart", { tier: "smart", pricing: { input: 10, output: 30 } }),
          // Short of what `smart` can do: no JSON replies, a small window.
          faultModel("cheap", "ok@cheap", {
            tier: "fast",
            pricing: { input: 0.1, output: 0.2 },
            structuredOutputs: false,
            contextWindow: 1024,
          }),
        ]),
      ],
    }),
    { parley: { accounts: true, waitForModels: false } },
  );
  ({ parley, upstream } = served);
  const setup = await call({}, "/api/auth/setup", {
    body: { email: "admin@example.com", password: "admin-password" },
  });
  admin.cookie = (setup.headers.get("set-cookie") ?? "").split(";")[0] as string;
  ({ key: cheapKey, id: cheapKeyId } = await newKey({ name: "cheap only", models: ["cheap"] }));
  ({ key: openKey } = await newKey({ name: "everything" }));
  // The server running at the end, which may be the one started again after a restart.
  return async () => {
    await parley.stop();
    await upstream.close();
  };
});

const call = (client: Client, pathname: string, init?: Parameters<typeof callAs>[3]) =>
  callAs(parley, client, pathname, init);

async function newKey(body: Record<string, unknown>) {
  const created = await call(admin, "/api/keys", { body });
  expect(created.status).toBe(201);
  return (await created.json()) as { id: string; key: string; models: string[] | null };
}

const openai = (key: string) => new OpenAI({ apiKey: key, baseURL: `${parley.url}/v1`, maxRetries: 0 });
const anthropic = (key: string) => new Anthropic({ apiKey: key, baseURL: parley.url, maxRetries: 0 });
const hi = [{ role: "user" as const, content: "hi" }];

async function conversationCount(): Promise<number> {
  const listed = (await (await call(admin, "/api/conversations")).json()) as { conversations: unknown[] };
  return listed.conversations.length;
}

describe("an API key held to some models", () => {
  it("gets its replies from its model through the official OpenAI and Anthropic clients", async () => {
    const completion = await openai(cheapKey).chat.completions.create({ model: "cheap", messages: hi });
    expect(completion.model).toBe("cheap");
    expect(completion.choices[0]?.message.content).toBe("Hello from ok@cheap.");

    const message = await anthropic(cheapKey).messages.create({
      model: "cheap",
      max_tokens: 50,
      messages: hi,
    });
    expect(message.content).toMatchObject([{ type: "text", text: "Hello from ok@cheap." }]);
    const counted = await anthropic(cheapKey).messages.countTokens({ model: "cheap", messages: hi });
    expect(counted.input_tokens).toBeGreaterThan(0);
  });

  it("is refused another model with a 403 in each API's shape naming what it may use; nothing asked or stored", async () => {
    const before = await conversationCount();

    const openAIRefusal = await openai(cheapKey)
      .chat.completions.create({ model: "smart", messages: hi })
      .catch((error: unknown) => error);
    expect(openAIRefusal).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(openAIRefusal).toMatchObject({ status: 403, code: "model_not_allowed" });
    expect((openAIRefusal as Error).message).toMatch(/"smart".*may use only: "cheap"/);

    const anthropicRefusal = await anthropic(cheapKey)
      .messages.create({ model: "smart", max_tokens: 50, messages: hi })
      .catch((error: unknown) => error);
    expect(anthropicRefusal).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect((anthropicRefusal as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      type: "error",
      error: { type: "permission_error", message: expect.stringMatching(/"smart".*may use only: "cheap"/) },
    });
    const countRefusal = await anthropic(cheapKey)
      .messages.countTokens({ model: "smart", messages: hi })
      .catch((error: unknown) => error);
    expect(countRefusal).toBeInstanceOf(Anthropic.PermissionDeniedError);

    const embeddings = await call({ key: cheapKey }, "/v1/embeddings", {
      body: { model: "smart", input: "x" },
    });
    expect(embeddings.status).toBe(403);
    expect(await embeddings.json()).toMatchObject({
      error: {
        code: "model_not_allowed",
        type: "invalid_request_error",
        message: expect.stringMatching(/"cheap"/),
      },
    });

    // The web app's routes with the key: a model named, and none named where the server's default is not its own.
    const conversation = (await (
      await call({ key: cheapKey }, "/api/conversations", { body: {} })
    ).json()) as {
      id: string;
    };
    for (const body of [
      { content: "hi", model: "smart" },
      { content: "hi" },
      { content: "hi", model: "auto" },
    ]) {
      const refused = await call({ key: cheapKey }, `/api/conversations/${conversation.id}/messages`, {
        body,
      });
      expect(refused.status).toBe(403);
      const problem = (await refused.json()) as {
        error: { code: string; message: string; details: unknown };
      };
      expect(problem.error).toMatchObject({
        code: "model_not_allowed",
        details: { allowedModels: ["cheap"] },
      });
      expect(problem.error.message).toMatch(/may use only: "cheap"/);
    }
    const messages = (await (
      await call({ key: cheapKey }, `/api/conversations/${conversation.id}`)
    ).json()) as { messages: unknown[] };
    expect(messages.messages).toEqual([]);

    // Its own model there still answers; regenerating with another is refused.
    const answered = (await (
      await call({ key: cheapKey }, `/api/conversations/${conversation.id}/messages`, {
        body: { content: "hi", model: "cheap" },
      })
    ).json()) as { model: string; content: string; assistantMessageId: string };
    expect(answered).toMatchObject({ model: "cheap", content: "Hello from ok@cheap." });
    const regenerate = await call(
      { key: cheapKey },
      `/api/conversations/${conversation.id}/messages/${answered.assistantMessageId}/regenerate`,
      { body: { model: "smart" } },
    );
    expect(regenerate.status).toBe(403);

    expect(upstream.requestsFor("ok@smart")).toEqual([]);
    // Only the conversation made above and answered with `cheap`: none of the refused exchanges was written down.
    expect(await conversationCount()).toBe(before + 1);
  });

  it("is told of a model that does not exist what any other key is told, in each API's shape, never the 403", async () => {
    const before = await conversationCount();
    const requestsBefore = upstream.requests.length;
    // A chat model nobody serves, and a bot nobody has: a 404 `unknown_model`, as OpenAI's and Anthropic's APIs say it.
    for (const model of ["gpt-9", "bot:nobody-has-this"]) {
      for (const key of [cheapKey, openKey]) {
        const chat = await call({ key }, "/v1/chat/completions", { body: { model, messages: hi } });
        expect(chat.status).toBe(404);
        expect(await chat.json()).toEqual({
          error: {
            type: "invalid_request_error",
            code: "unknown_model",
            param: null,
            message: expect.stringMatching(new RegExp(`^Unknown model "${model}"`)),
          },
        });
        const sdk = await openai(key)
          .chat.completions.create({ model, messages: hi })
          .catch((error: unknown) => error);
        expect(sdk).toBeInstanceOf(OpenAI.NotFoundError);
        for (const counting of [false, true]) {
          const refusal = await (counting
            ? anthropic(key).messages.countTokens({ model, messages: hi })
            : anthropic(key).messages.create({ model, max_tokens: 50, messages: hi })
          ).catch((error: unknown) => error);
          expect(refusal).toBeInstanceOf(Anthropic.NotFoundError);
          expect((refusal as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
            type: "error",
            error: { type: "not_found_error", message: expect.stringMatching(/^Unknown model/) },
          });
        }
        const embeddings = await call({ key }, "/v1/embeddings", { body: { model, input: "hi" } });
        expect(embeddings.status).toBe(404);
        expect(((await embeddings.json()) as { error: { code: string } }).error.code).toBe("unknown_model");
        // The web app's API calls it a bad request, for every key alike.
        const conversation = (await (await call({ key }, "/api/conversations", { body: {} })).json()) as {
          id: string;
        };
        const posted = await call({ key }, `/api/conversations/${conversation.id}/messages`, {
          body: { content: "hi", model },
        });
        expect(posted.status).toBe(400);
        expect(((await posted.json()) as { error: { code: string } }).error.code).toBe("unknown_model");
        await call({ key }, `/api/conversations/${conversation.id}`, { method: "DELETE" });
      }
    }
    // The models it suggests instead are those the key may use.
    const messageFor = async (key: string) =>
      (
        (await (
          await call({ key }, "/v1/chat/completions", { body: { model: "gpt-9", messages: hi } })
        ).json()) as {
          error: { message: string };
        }
      ).error.message;
    expect(await messageFor(openKey)).toBe('Unknown model "gpt-9". Known models: "smart", "cheap".');
    expect(await messageFor(cheapKey)).toBe('Unknown model "gpt-9". Known models: "cheap".');
    const { key: botKey } = await newKey({ models: ["bot:topic-explorer", "auto", "cheap"] });
    expect(await messageFor(botKey)).toBe(
      'Unknown model "gpt-9". Known models: "bot:topic-explorer", "auto", "cheap".',
    );

    expect(upstream.requests.length).toBe(requestsBefore);
    expect(await conversationCount()).toBe(before);
  });

  it("is suggested only its own models when the model it asks for cannot do what the request needs", async () => {
    const json = { response_format: { type: "json_object" as const } };
    const refusalOf = async (key: string, body: Record<string, unknown>) => {
      const refused = await call({ key }, "/v1/chat/completions", { body: { messages: hi, ...body } });
      expect(refused.status).toBe(400);
      return ((await refused.json()) as { error: { message: string } }).error.message;
    };
    // Any other key is told of every model that can, and of `auto`.
    expect(await refusalOf(openKey, { model: "cheap", ...json })).toBe(
      'Model "cheap" cannot be held to JSON replies, and this request asks for one (response_format). Models that can: "smart"; or send "model": "auto" to let Parley choose one.',
    );
    // A key held to `cheap` has no model that can, and is told so (not of `smart`, which it may not use).
    expect(await refusalOf(cheapKey, { model: "cheap", ...json })).toBe(
      'Model "cheap" cannot be held to JSON replies, and this request asks for one (response_format). No model this API key may use can; send the request without response_format and ask for JSON in the prompt, or use a key made for more models.',
    );
    // A key that may use `smart` too, but not `auto`, is told of `smart` only.
    const { key: bothKey } = await newKey({ models: ["cheap", "smart"] });
    expect(await refusalOf(bothKey, { model: "cheap", ...json })).toBe(
      'Model "cheap" cannot be held to JSON replies, and this request asks for one (response_format). Models that can: "smart".',
    );

    // Too long for `cheap`'s window: a longer one is suggested only to a key that may use it.
    const long = [{ role: "user" as const, content: "lorem ipsum dolor sit amet ".repeat(400) }];
    expect(await refusalOf(openKey, { model: "cheap", messages: long })).toMatch(
      /Shorten it, or choose a model with a longer context: smart \(8192 tokens\)\.$/,
    );
    expect(await refusalOf(cheapKey, { model: "cheap", messages: long })).toMatch(/ Shorten it\.$/);
    expect(
      upstream.requestsFor("ok@cheap").some((request) => JSON.stringify(request.body).includes("lorem")),
    ).toBe(false);
  });

  it("routes `auto` only among its models, and is refused `auto` when none of them is a chat model", async () => {
    const { key: smartAuto } = await newKey({ models: ["auto", "smart"] });
    // Left to itself, `auto` takes the cheapest model that fits: `cheap`.
    const unlimited = await openai(openKey).chat.completions.create({ model: "auto", messages: hi });
    expect(unlimited.model).toBe("cheap");
    const routed = await openai(smartAuto).chat.completions.create({ model: "auto", messages: hi });
    expect(routed.model).toBe("smart");
    expect(routed.choices[0]?.message.content).toBe("Hello from ok@smart.");

    const { key: onlyAuto } = await newKey({ models: ["auto"] });
    const refused = await openai(onlyAuto)
      .chat.completions.create({ model: "auto", messages: hi })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((refused as Error).message).toMatch(/None of the chat models this API key may use/);

    // `auto` itself must be listed to be asked for.
    const noAuto = await openai(cheapKey)
      .chat.completions.create({ model: "auto", messages: hi })
      .catch((error: unknown) => error);
    expect(noAuto).toMatchObject({ status: 403, code: "model_not_allowed" });
  });

  it("is shown only its models, by /v1/models (either API's client) and /api/models", async () => {
    const listed = await openai(cheapKey).models.list();
    expect(listed.data.map((model) => model.id)).toEqual(["cheap"]);
    const anthropicListed = await anthropic(cheapKey).models.list();
    expect(anthropicListed.data.map((model) => model.id)).toEqual(["cheap"]);
    expect((await call({ key: cheapKey }, "/v1/models/smart")).status).toBe(404);
    expect((await call({ key: cheapKey }, "/v1/models/cheap")).status).toBe(200);
    const own = (await (await call({ key: cheapKey }, "/api/models")).json()) as { models: { id: string }[] };
    expect(own.models.map((model) => model.id)).toEqual(["cheap"]);

    const { key: botKey } = await newKey({ models: ["bot:topic-explorer"] });
    expect((await openai(botKey).models.list()).data.map((model) => model.id)).toEqual([
      "bot:topic-explorer",
    ]);
    const bots = await call({ key: botKey }, "/api/models");
    expect(((await bots.json()) as { models: unknown[] }).models).toEqual([]);
  });

  it("holds no other key nor a session: they see and use every model", async () => {
    const everything = (await openai(openKey).models.list()).data.map((model) => model.id);
    // And the built-in bots, as `bot:<slug>`.
    expect(everything.slice(0, 3)).toEqual(["auto", "smart", "cheap"]);
    expect(everything).toContain("bot:topic-explorer");
    const smart = await openai(openKey).chat.completions.create({
      model: "smart",
      messages: hi,
      store: false,
    });
    expect(smart.choices[0]?.message.content).toBe("Hello from ok@smart.");

    const session = (await (await call(admin, "/api/models")).json()) as { models: { id: string }[] };
    expect(session.models.map((model) => model.id)).toEqual(["smart", "cheap"]);
    const conversation = (await (await call(admin, "/api/conversations", { body: {} })).json()) as {
      id: string;
    };
    const answered = (await (
      await call(admin, `/api/conversations/${conversation.id}/messages`, {
        body: { content: "hi", model: "smart" },
      })
    ).json()) as { model: string; content: string };
    expect(answered).toMatchObject({ model: "smart", content: "Hello from ok@smart." });
  });

  it("is made only with models the server serves, and its models are never changed afterwards", async () => {
    const unknown = await call(admin, "/api/keys", { body: { models: ["cheap", "gpt-9"] } });
    expect(unknown.status).toBe(400);
    const { error } = (await unknown.json()) as { error: { message: string } };
    expect(error.message).toMatch(/`models`: this server serves no model "gpt-9"/);
    expect(error.message).toMatch(/"auto", "smart", "cheap"/);

    const empty = await call(admin, "/api/keys", { body: { models: [] } });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: { message: string } }).error.message).toMatch(/`models`/);

    const patched = await call(admin, `/api/keys/${cheapKeyId}`, {
      method: "PATCH",
      body: { models: ["smart"] },
    });
    expect(patched.status).toBe(400);
    expect(((await patched.json()) as { error: { message: string } }).error.message).toMatch(
      /`models`: cannot be changed/,
    );

    const { keys } = (await (await call(admin, "/api/keys")).json()) as {
      keys: { id: string; name: string; models: string[] | null }[];
    };
    expect(keys.find((key) => key.id === cheapKeyId)?.models).toEqual(["cheap"]);
    expect(keys.find((key) => key.name === "everything")?.models).toBeNull();
  });

  it("held to a bot, chats with it (its own model answering) and is refused that model named directly", async () => {
    const bot = await call(admin, "/api/bots", {
      body: { name: "Release notes", instructions: "Write release notes.", model: "smart" },
    });
    expect(bot.status).toBe(201);
    const { slug } = (await bot.json()) as { slug: string };
    const { key: botKey } = await newKey({ models: [`bot:${slug}`] });

    const answered = await openai(botKey).chat.completions.create({ model: `bot:${slug}`, messages: hi });
    expect(answered.choices[0]?.message.content).toBe("Hello from ok@smart.");
    const sent = upstream.requestsFor("ok@smart").at(-1)?.body as {
      messages: { role: string; content: string }[];
    };
    expect(sent.messages[0]).toEqual({ role: "system", content: "Write release notes." });

    const smartCalls = upstream.requestsFor("ok@smart").length;
    const refused = await openai(botKey)
      .chat.completions.create({ model: "smart", messages: hi })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(refused).toMatchObject({ status: 403, code: "model_not_allowed" });
    expect((refused as Error).message).toMatch(new RegExp(`"smart".*may use only: "bot:${slug}"`));
    expect(upstream.requestsFor("ok@smart").length).toBe(smartCalls);
  });

  it("held to a bot whose model cannot do what the request needs, is suggested none of the models it may not use", async () => {
    const bot = await call(admin, "/api/bots", {
      body: { name: "Cheap notes", instructions: "Write short notes.", model: "cheap" },
    });
    const { slug } = (await bot.json()) as { slug: string };
    const { key: botKey } = await newKey({ models: [`bot:${slug}`] });
    const json = { response_format: { type: "json_object" }, messages: hi };

    // Any other key is told of the model that can.
    const open = await call({ key: openKey }, "/v1/chat/completions", {
      body: { model: `bot:${slug}`, ...json },
    });
    expect(((await open.json()) as { error: { message: string } }).error.message).toContain(
      'Models that can: "smart"',
    );
    // The bot's key may not use `smart`: it is not named to it.
    const refused = await call({ key: botKey }, "/v1/chat/completions", {
      body: { model: `bot:${slug}`, ...json },
    });
    expect(refused.status).toBe(400);
    const { message } = ((await refused.json()) as { error: { message: string } }).error;
    expect(message).toContain("No model this API key may use can");
    expect(message).not.toContain("smart");
  });

  it("keeps its models across a restart of the server", async () => {
    await parley.stop();
    parley = await startParley({ dataDir: parley.dataDir, accounts: true, waitForModels: false });
    expect((await openai(cheapKey).models.list()).data.map((model) => model.id)).toEqual(["cheap"]);
    const refused = await openai(cheapKey)
      .chat.completions.create({ model: "smart", messages: hi })
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ status: 403, code: "model_not_allowed" });
  });
});
