// The users page: an admin adds an account, sets its limits, disables it and deletes it, which the server then holds
// it to; others may not.
import type { BrowserContext } from "playwright-core";
import { describe, expect, it } from "vitest";
import { artifactPath, newChatPage, signInContext, useServerWithAdmin } from "./browser-test-support.js";

const ADMIN = { email: "admin@example.com", password: "correct horse battery staple" };
const DANA = { email: "dana@example.com", password: "dana-password" };
/** What the admin sets for Dana, who forgot hers. */
const DANA_NEW_PASSWORD = "dana-new-password";

const server = useServerWithAdmin(ADMIN);

/** The account as an admin's GET /api/users lists it. */
async function listed(context: BrowserContext, email: string) {
  const response = await context.request.get(`${server.parley.url}/api/users`);
  const { users } = (await response.json()) as {
    users: { email: string; requestsPerMinute: number | null }[];
  };
  return users.find((user) => user.email === email);
}

/** A chat completion with a key of the account: admitted (503, as there is no model) or refused (429). */
async function completeWith(key: string): Promise<number> {
  const response = await fetch(`${server.parley.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "any", messages: [{ role: "user", content: "hi" }] }),
  });
  return response.status;
}

describe("the users page", () => {
  it("lets an admin add a user and set their limits, which hold from their next request", async () => {
    const { context, page, errors } = await newChatPage(server.browser, server.parley.url);
    await signInContext(context, server.parley.url, ADMIN);
    await page.goto("/");
    await page.getByRole("button", { name: "Settings" }).click();
    await page.getByRole("button", { name: "Users" }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe("/settings/users");
    await page.getByRole("heading", { name: "Users", level: 1 }).waitFor();
    // An admin's own role is not changed here by a slip.
    await page.getByRole("row", { name: new RegExp(ADMIN.email) }).waitFor();
    expect(await page.getByRole("combobox", { name: `Role of ${ADMIN.email}` }).isDisabled()).toBe(true);

    await page.getByRole("textbox", { name: "Email" }).fill(DANA.email);
    await page.getByLabel("Password").fill(DANA.password);
    await page.getByRole("button", { name: "Add user" }).click();
    const perMinute = page.getByRole("spinbutton", { name: `Replies per minute for ${DANA.email}` });
    await perMinute.waitFor();
    // The form is empty again once the account is made.
    expect(await page.getByRole("textbox", { name: "Email" }).inputValue()).toBe("");

    const save = page.getByRole("button", { name: `Save ${DANA.email}` });
    expect(await save.isDisabled()).toBe(true);
    await perMinute.fill("1");
    await save.click();
    await page
      .getByRole("row", { name: new RegExp(DANA.email) })
      .getByText("Saved")
      .waitFor();
    await page.screenshot({ path: artifactPath("users-page.png") });
    expect(await listed(context, DANA.email)).toMatchObject({ requestsPerMinute: 1 });

    const danaKey = await keyOf(DANA);
    expect(await completeWith(danaKey)).toBe(503);
    expect(await completeWith(danaKey)).toBe(429);

    // Emptied, the limit is the server's default again.
    await perMinute.fill("");
    await save.click();
    await expect.poll(async () => (await listed(context, DANA.email))?.requestsPerMinute).toBeNull();
    // The spent minute refills at the default's pace (60 a minute): a request is admitted again within a second.
    await expect.poll(() => completeWith(danaKey), { timeout: 5_000 }).toBe(503);

    // A new password for Dana, who forgot hers: the old one no longer signs in, the new one does.
    await page.getByRole("button", { name: `Set a password for ${DANA.email}` }).click();
    const passwordDialog = page.getByRole("dialog", { name: `A new password for ${DANA.email}` });
    await passwordDialog.getByLabel("New password").fill(DANA_NEW_PASSWORD);
    await passwordDialog.getByRole("button", { name: "Set password" }).click();
    await passwordDialog.waitFor({ state: "detached" });
    await expect.poll(() => loginStatus(DANA.email, DANA.password)).toBe(401);
    expect(await loginStatus(DANA.email, DANA_NEW_PASSWORD)).toBe(200);

    // Disabled (after a confirmation), the account's key stops working; enabled again, it works.
    const row = page.getByRole("row", { name: new RegExp(DANA.email) });
    await page.getByRole("button", { name: `Disable ${DANA.email}` }).click();
    await page
      .getByRole("dialog", { name: "Disable this account?" })
      .getByRole("button", { name: "Disable" })
      .click();
    await row.getByText("Disabled").waitFor();
    expect(await completeWith(danaKey)).toBe(401);
    await page.getByRole("button", { name: `Enable ${DANA.email}` }).click();
    await row.getByText("Active").waitFor();
    await expect.poll(() => completeWith(danaKey), { timeout: 5_000 }).toBe(503);
    // No such button on the admin's own row.
    expect(await page.getByRole("button", { name: `Disable ${ADMIN.email}` }).count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("deletes an account after a confirmation that says what goes with it; its key stops working at once", async () => {
    const { context, page, errors } = await newChatPage(server.browser, server.parley.url);
    await signInContext(context, server.parley.url, ADMIN);
    const eve = { email: "eve@example.com", password: "eve-password" };
    const added = await context.request.post(`${server.parley.url}/api/users`, {
      data: eve,
      headers: { origin: server.parley.url },
    });
    expect(added.status()).toBe(201);
    const eveKey = await keyOf(eve);
    expect(await completeWith(eveKey)).toBe(503);

    await page.goto("/settings/users");
    await page.getByRole("button", { name: `Delete ${eve.email}` }).click();
    const dialog = page.getByRole("dialog", { name: `Delete ${eve.email}?` });
    await dialog.getByText("This cannot be undone").waitFor();
    await page.screenshot({ path: artifactPath("users-page-delete.png") });
    await dialog.getByRole("button", { name: "Delete" }).click();
    await page
      .getByRole("status")
      .getByText(`${eve.email} is deleted, with 0 conversations; 0 shared bots are yours now.`)
      .waitFor();
    expect(await page.getByRole("row", { name: new RegExp(eve.email) }).count()).toBe(0);
    expect(await listed(context, eve.email)).toBeUndefined();
    expect(await completeWith(eveKey)).toBe(401);
    // No such button on the admin's own row.
    expect(await page.getByRole("button", { name: `Delete ${ADMIN.email}` }).count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("shows an account's keys to an admin, who revokes a leaked one after pressing twice; its other key goes on", async () => {
    const { context, page, errors } = await newChatPage(server.browser, server.parley.url);
    await signInContext(context, server.parley.url, ADMIN);
    const finn = { email: "finn@example.com", password: "finn-password" };
    const added = await context.request.post(`${server.parley.url}/api/users`, {
      data: finn,
      headers: { origin: server.parley.url },
    });
    expect(added.status()).toBe(201);
    const leaked = await keyOf(finn, "leaked");
    const kept = await keyOf(finn, "kept");
    expect(await completeWith(leaked)).toBe(503);

    await page.goto("/settings/users");
    await page.getByRole("button", { name: `API keys of ${finn.email}` }).click();
    const dialog = page.getByRole("dialog", { name: `API keys of ${finn.email}` });
    const leakedRow = dialog.getByRole("row", { name: /^leaked/ });
    await leakedRow.getByText("Active").waitFor();
    await dialog.getByRole("row", { name: /^kept/ }).waitFor();
    expect(await dialog.textContent()).not.toContain(leaked);

    // The first press only asks; the key still works.
    await leakedRow.getByRole("button", { name: "Revoke leaked" }).click();
    expect(await completeWith(leaked)).toBe(503);
    await page.screenshot({ path: artifactPath("users-page-keys.png") });
    await leakedRow.getByRole("button", { name: "Revoke leaked now" }).click();
    await leakedRow.getByText(/^Revoked /).waitFor();
    expect(await leakedRow.getByRole("button").count()).toBe(0);
    expect(await completeWith(leaked)).toBe(401);
    expect(await completeWith(kept)).toBe(503);

    await dialog.getByRole("button", { name: "Close" }).click();
    await dialog.waitFor({ state: "hidden" });
    // No such button on the admin's own row: their own keys are on their keys page.
    expect(await page.getByRole("button", { name: `API keys of ${ADMIN.email}` }).count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("is not offered to a user who is not an admin, and says why at its address", async () => {
    const { context, page } = await newChatPage(server.browser, server.parley.url);
    await signInContext(context, server.parley.url, { email: DANA.email, password: DANA_NEW_PASSWORD });
    await page.goto("/settings/keys");
    await page.getByRole("heading", { name: "API keys", level: 1 }).waitFor();
    expect(await page.getByRole("link", { name: "Users" }).count()).toBe(0);
    await page.goto("/settings/users");
    await page.getByText("Only an admin of this server can manage its users.").waitFor();
    expect(await page.getByRole("table").count()).toBe(0);
    await context.close();
  });
});

/** A new API key of the account, made with its own session. */
async function keyOf(credentials: { email: string; password: string }, name = "test"): Promise<string> {
  const login = await fetch(`${server.parley.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(credentials),
  });
  const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const created = await fetch(`${server.parley.url}/api/keys`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie },
    body: JSON.stringify({ name }),
  });
  expect(created.status).toBe(201);
  return ((await created.json()) as { key: string }).key;
}

async function loginStatus(email: string, password: string): Promise<number> {
  const response = await fetch(`${server.parley.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  return response.status;
}
