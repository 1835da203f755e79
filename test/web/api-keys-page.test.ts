// The API keys page on a server with accounts: create a key (shown once, copied), use it, revoke it.
import { describe, expect, it } from "vitest";
import { artifactPath, newChatPage, signInContext, useServerWithAdmin } from "./browser-test-support.js";

const EMAIL = "keys@example.com";
const PASSWORD = "correct horse battery staple";

const server = useServerWithAdmin({ email: EMAIL, password: PASSWORD });

/** Who the server takes a request with this key for: the status, and the email when it answers 200. */
async function whoIs(key: string): Promise<{ status: number; email?: string }> {
  const response = await fetch(`${server.parley.url}/api/auth/me`, {
    headers: { authorization: `Bearer ${key}` },
  });
  if (response.status !== 200) return { status: response.status };
  const body = (await response.json()) as { user: { email: string } };
  return { status: 200, email: body.user.email };
}

describe("the API keys page", () => {
  it("creates a key shown once with a copy button, the key works, and once revoked it does not", async () => {
    const { context, page, errors } = await newChatPage(server.browser, server.parley.url);
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await page.goto("/settings/keys");
    await page.getByLabel("Email").fill(EMAIL);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();

    await page.getByRole("heading", { name: "API keys", level: 1 }).waitFor();
    // The heading shows while the list is still loading; the empty list says so once it has loaded.
    await page.getByText("No keys yet.").waitFor();
    await page.getByRole("textbox", { name: "Key name" }).fill("ci scripts");
    await page.getByRole("button", { name: "Create key" }).click();

    const shown = page.getByRole("textbox", { name: "New API key" });
    await shown.waitFor();
    const key = await shown.inputValue();
    expect(key).toMatch(/^pk_/);
    expect(await page.getByText("you will not see it again").count()).toBe(1);
    await page.getByRole("button", { name: "Copy key" }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(key);
    await page.screenshot({ path: artifactPath("api-key-created.png") });

    // The key is the user's: the server knows who it is.
    expect(await whoIs(key)).toEqual({ status: 200, email: EMAIL });

    // Once dismissed, the key is nowhere on the page any more: only its prefix is listed.
    await page.getByRole("button", { name: "Done, I have copied it" }).click();
    await shown.waitFor({ state: "detached" });
    expect(await page.locator("body").textContent()).not.toContain(key);
    const values = await page
      .locator("input")
      .evaluateAll((inputs) => inputs.map((input) => (input as HTMLInputElement).value));
    expect(values).not.toContain(key);
    const row = page.getByRole("row", { name: /ci scripts/ });
    expect(await row.locator("code").textContent()).toBe(`${key.slice(0, 10)}…`);
    await page.reload();
    // Its use just now is listed as its last use.
    await expect.poll(() => row.locator("td").nth(3).textContent()).not.toBe("Never");
    expect(await row.locator("td").nth(1).textContent()).toBe("Account's");
    expect(await row.locator("td").nth(4).textContent()).toBe("Active");

    await page.getByRole("button", { name: "Revoke ci scripts" }).click();
    const dialog = page.getByRole("dialog", { name: "Revoke this key?" });
    expect(await dialog.textContent()).toContain(`${key.slice(0, 10)}…`);
    await dialog.getByRole("button", { name: "Revoke" }).click();
    await expect.poll(() => row.locator("td").nth(4).textContent()).toMatch(/^Revoked /);
    expect(await page.getByRole("button", { name: "Revoke ci scripts" }).count()).toBe(0);
    expect(await whoIs(key)).toEqual({ status: 401 });
    expect(errors).toEqual([]);
    await context.close();
  });

  it("creates a key held to its own limits, which the list shows and the server holds it to, and one that expires", async () => {
    const { context, page, errors } = await newChatPage(server.browser, server.parley.url);
    await signInContext(context, server.parley.url, { email: EMAIL, password: PASSWORD });
    await page.goto("/settings/keys");
    await page.getByRole("textbox", { name: "Key name" }).fill("nightly job");
    await page.getByRole("spinbutton", { name: "Replies per minute" }).fill("1");
    await page.getByRole("spinbutton", { name: "Tokens per day" }).fill("50000");
    await page.screenshot({ path: artifactPath("api-key-limits.png") });
    await page.getByRole("button", { name: "Create key" }).click();
    const key = await page.getByRole("textbox", { name: "New API key" }).inputValue();
    await page.getByRole("button", { name: "Done, I have copied it" }).click();

    const row = page.getByRole("row", { name: /nightly job/ });
    await expect.poll(() => row.locator("td").nth(1).textContent()).toBe("1 a minute · 50,000 tokens a day");
    // The form is empty again, ready for the next key.
    expect(await page.getByRole("spinbutton", { name: "Replies per minute" }).inputValue()).toBe("");

    // Its first request is admitted (this server has no model to answer it: 503), its second is over the key's limit.
    const complete = () =>
      fetch(`${server.parley.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "any", messages: [{ role: "user", content: "hi" }] }),
      });
    expect((await complete()).status).toBe(503);
    expect((await complete()).status).toBe(429);

    await page.getByRole("textbox", { name: "Key name" }).fill("contractor");
    await page.getByRole("combobox", { name: "Expires" }).selectOption({ label: "In 30 days" });
    const createdAt = Date.now();
    await page.getByRole("button", { name: "Create key" }).click();
    await page.getByRole("button", { name: "Done, I have copied it" }).click();
    const expiring = page.getByRole("row", { name: /contractor/ });
    await expect.poll(() => expiring.locator("td").nth(4).textContent()).toMatch(/^Active until /);
    await page.screenshot({ path: artifactPath("api-key-expiry.png") });
    const { keys } = (await (await page.request.get(`${server.parley.url}/api/keys`)).json()) as {
      keys: { name: string; expiresAt: number | null }[];
    };
    const expiresAt = keys.find((listed) => listed.name === "contractor")?.expiresAt as number;
    expect(expiresAt - createdAt).toBeGreaterThan(29.9 * 86_400_000);
    expect(expiresAt - createdAt).toBeLessThan(30.1 * 86_400_000);
    expect(keys.find((listed) => listed.name === "nightly job")?.expiresAt).toBeNull();
    expect(errors).toEqual([]);
    await context.close();
  });

  it("asks before revoking, and keeps the key when the user cancels", async () => {
    const { context, page } = await newChatPage(server.browser, server.parley.url);
    await signInContext(context, server.parley.url, { email: EMAIL, password: PASSWORD });
    await page.goto("/");
    await page.getByRole("button", { name: "Settings" }).click();
    await page.getByRole("button", { name: "API keys" }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe("/settings/keys");
    await page.getByRole("textbox", { name: "Key name" }).fill("kept");
    await page.getByRole("button", { name: "Create key" }).click();
    const key = await page.getByRole("textbox", { name: "New API key" }).inputValue();
    await page.getByRole("button", { name: "Done, I have copied it" }).click();

    await page.getByRole("button", { name: "Revoke kept" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
    expect(await page.getByRole("dialog").count()).toBe(0);
    expect(await page.getByRole("row", { name: /kept/ }).locator("td").nth(4).textContent()).toBe("Active");
    expect((await whoIs(key)).status).toBe(200);
    await context.close();
  });
});
