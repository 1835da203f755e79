// The password page: a signed-in user changes their password; their other sessions end, this one stays.
import { describe, expect, it } from "vitest";
import { artifactPath, newChatPage, signInContext, useServerWithAdmin } from "./browser-test-support.js";

const EMAIL = "pat@example.com";
const OLD_PASSWORD = "correct horse battery staple";
const NEW_PASSWORD = "a new and longer passphrase";

const server = useServerWithAdmin({ email: EMAIL, password: OLD_PASSWORD });

function signIn(password: string) {
  return fetch(`${server.parley.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: EMAIL, password }),
  });
}

describe("the password page", () => {
  it("changes the password given the current one, signing out the other sessions but not this one", async () => {
    const { context, page, errors } = await newChatPage(server.browser, server.parley.url);
    await signInContext(context, server.parley.url, { email: EMAIL, password: OLD_PASSWORD });
    const elsewhere = (await signIn(OLD_PASSWORD)).headers.get("set-cookie")?.split(";")[0] ?? "";
    const signedIn = async (cookie: string) =>
      (await fetch(`${server.parley.url}/api/auth/me`, { headers: { cookie } })).status;
    expect(await signedIn(elsewhere)).toBe(200);

    await page.goto("/");
    await page.getByRole("button", { name: "Settings" }).click();
    await page.getByRole("button", { name: "Password" }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe("/settings/password");
    const fill = async (current: string, next: string, repeated: string) => {
      await page.getByLabel("Current password").fill(current);
      await page.getByLabel("New password", { exact: true }).fill(next);
      await page.getByLabel("New password, again").fill(repeated);
      await page.getByRole("button", { name: "Change password" }).click();
    };

    await fill(OLD_PASSWORD, NEW_PASSWORD, `${NEW_PASSWORD}!`);
    await page.getByRole("alert").getByText("The two new passwords are not the same.").waitFor();
    await fill("not the password", NEW_PASSWORD, NEW_PASSWORD);
    await page.getByRole("alert").getByText("The current password is wrong.").waitFor();
    expect((await signIn(OLD_PASSWORD)).status).toBe(200);

    await fill(OLD_PASSWORD, NEW_PASSWORD, NEW_PASSWORD);
    await page.getByText("Your password is changed. Your other sessions are signed out.").waitFor();
    await page.screenshot({ path: artifactPath("password-changed.png") });
    expect(await page.getByLabel("Current password").inputValue()).toBe("");
    expect(await signedIn(elsewhere)).toBe(401);
    expect((await page.request.get(`${server.parley.url}/api/auth/me`)).status()).toBe(200);
    expect((await signIn(OLD_PASSWORD)).status).toBe(401);
    expect((await signIn(NEW_PASSWORD)).status).toBe(200);
    expect(errors).toEqual([]);
    await context.close();
  });
});
