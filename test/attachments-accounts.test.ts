import { beforeAll, describe, expect, it } from "vitest";
import { samplePng } from "../src/files/test-support/sample-images.js";
import type { FaultUpstream } from "./support/fault-upstream.js";
import type { ParleyProcess } from "./support/parley-process.js";
import { faultModel, openAIProvider, VISION } from "./support/remote-config.js";
import { startRemoteParley } from "./support/remote-parley.js";
import { postMessage, textOf } from "./support/sse-client.js";
import { type UploadedFile, uploadFile, uploadImage } from "./support/upload-file.js";

// Files belong to whoever uploaded them: with two users, each is a stranger to the other's files.
let upstream: FaultUpstream;
let parley: ParleyProcess;
const alice: Record<string, string> = {};
const bob: Record<string, string> = {};

beforeAll(async () => {
  const served = await startRemoteParley(
    (upstream) => ({
      providers: [
        openAIProvider("openai-like", upstream, [faultModel("vision-gpt", "ok@vision-gpt", VISION)]),
      ],
    }),
    { parley: { accounts: true, waitForModels: false } },
  );
  ({ parley, upstream } = served);
  return served.stop;
});

beforeAll(async () => {
  const setup = await postJson({}, "/api/auth/setup", {
    email: "alice@example.com",
    password: "alice-password",
  });
  alice.cookie = cookieOf(setup);
  await postJson(alice, "/api/users", { email: "bob@example.com", password: "bob-password" });
  bob.cookie = cookieOf(
    await postJson({}, "/api/auth/login", { email: "bob@example.com", password: "bob-password" }),
  );
});

function postJson(headers: Record<string, string>, pathname: string, body: unknown) {
  return parley.api(pathname, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

function cookieOf(response: Response): string {
  return (response.headers.get("set-cookie") ?? "").split(";")[0] as string;
}

async function conversationOf(headers: Record<string, string>): Promise<string> {
  return ((await (await postJson(headers, "/api/conversations", {})).json()) as { id: string }).id;
}

type Problem = { error: { code: string; message: string } };

describe("files and their owners", () => {
  it("shows a file to its owner only: another user, or nobody signed in, cannot read it", async () => {
    const file = await uploadImage(parley, samplePng(2, 2), { name: "alice.png", headers: alice });
    const own = await parley.api(`/api/files/${file.id}`, { headers: alice });
    expect(own.status).toBe(200);
    expect(Buffer.from(await own.arrayBuffer())).toEqual(samplePng(2, 2));

    const foreign = await parley.api(`/api/files/${file.id}`, { headers: bob });
    const missing = await parley.api("/api/files/file_never_uploaded", { headers: bob });
    expect(foreign.status).toBe(404);
    expect(missing.status).toBe(404);
    // The same answer as for a file that never existed, so its existence is not given away.
    expect(((await foreign.json()) as Problem).error.message).toBe(`File "${file.id}" was not found.`);
    expect(((await missing.json()) as Problem).error.message).toBe(
      'File "file_never_uploaded" was not found.',
    );

    expect((await parley.api(`/api/files/${file.id}`)).status).toBe(401);
    expect((await uploadFile(parley, samplePng(2, 2))).status).toBe(401);
  });

  it("refuses another user's file as an attachment exactly as an unknown one, storing and sending nothing", async () => {
    const file = await uploadImage(parley, samplePng(2, 2), { headers: alice });
    const conversationId = await conversationOf(bob);
    const before = upstream.requests.length;
    const attempt = async (fileId: string) => {
      const response = await postJson(bob, `/api/conversations/${conversationId}/messages`, {
        content: "whose is this?",
        attachments: [fileId],
        model: "vision-gpt",
      });
      expect(response.status).toBe(400);
      return ((await response.json()) as Problem).error;
    };
    const foreign = await attempt(file.id);
    const unknown = await attempt("file_never_uploaded");
    expect(foreign.code).toBe("invalid_attachment");
    expect(foreign.message.replace(file.id, "ID")).toBe(unknown.message.replace("file_never_uploaded", "ID"));
    expect(upstream.requests.length).toBe(before);
    const stored = (await (
      await parley.api(`/api/conversations/${conversationId}`, { headers: bob })
    ).json()) as {
      messages: unknown[];
    };
    expect(stored.messages).toEqual([]);
  });

  it("lets an API key upload and attach for its own user, who then sees the attachment", async () => {
    const { key } = (await (await postJson(alice, "/api/keys", { name: "script" })).json()) as {
      key: string;
    };
    const withKey = { authorization: `Bearer ${key}` };
    const file = await uploadImage(parley, samplePng(5, 5), { name: "by-key.png", headers: withKey });
    const conversationId = await conversationOf(withKey);
    const stream = await postMessage(
      parley,
      conversationId,
      { content: "Seen?", attachments: [file.id], model: "vision-gpt" },
      { headers: withKey },
    );
    expect(textOf(await stream.events())).toBe("Hello from ok@vision-gpt.");
    const stored = (await (
      await parley.api(`/api/conversations/${conversationId}`, { headers: alice })
    ).json()) as {
      messages: { role: string; attachments: UploadedFile[] }[];
    };
    expect(stored.messages.find((message) => message.role === "user")?.attachments).toEqual([file]);
    expect((await parley.api(`/api/files/${file.id}`, { headers: alice })).status).toBe(200);
  });
});
