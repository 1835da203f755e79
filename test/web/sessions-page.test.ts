// The sessions page: where the user is signed in, this browser marked; one session signed out, then all the others.
import { describe, expect, it } from "vitest";
import { artifactPath, newChatPage, signInContext, useServerWithAdmin } from "./browser-test-support.js";

const EMAIL = "sam@example.com";
const PASSWORD = "correct horse battery staple";
const FIREFOX_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
const SAFARI_ON_IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";

const server = useServerWithAdmin({ email: EMAIL, password: PASSWORD });

/** A sign-in from another device, as its cookie. */
async function signInFrom(userAgent: string): Promise<string> {
  const response = await fetch(`${server.parley.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", "user-agent": userAgent },
    body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
  });
  expect(response.status).toBe(200);
  return response.headers.get("set-cookie")?.split(";")[0] ?? "";
}

const signedIn = async (cookie: string) =>
  (await fetch(`${server.parley.url}/api/auth/me`, { headers: { cookie } })).status === 200;

describe("the sessions page", () => {
  it("lists where the user is signed in and signs out one session, then every other", async () => {
    const { context, page, errors } = await newChatPage(server.browser, server.parley.url);
    await signInContext(context, server.parley.url, { email: EMAIL, password: PASSWORD });
    const firefox = await signInFrom(FIREFOX_ON_WINDOWS);
    const iphone = await signInFrom(SAFARI_ON_IPHONE);

    await page.goto("/");
    await page.getByRole("button", { name: "Settings" }).click();
    await page.getByRole("button", { name: "Sessions" }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe("/settings/sessions");
    const rows = page.getByRole("table").getByRole("row");
    // A header row, then this browser, the two others, and the session the admin's setup began.
    await expect.poll(() => rows.count()).toBe(5);
    await page.getByRole("columnheader", { name: "Last active" }).waitFor();
    const thisRow = rows.filter({ hasText: "This browser" });
    expect(await thisRow.count()).toBe(1);
    expect(await thisRow.getByRole("button").count()).toBe(0);
    await page.getByRole("rowheader", { name: "Firefox on Windows" }).waitFor();
    await page.getByRole("rowheader", { name: "Safari on iOS" }).waitFor();
    await page.screenshot({ path: artifactPath("sessions-page.png") });

    await page.getByRole("button", { name: /^Sign out Firefox on Windows, signed in / }).click();
    await page.getByRole("status").getByText("Firefox on Windows is signed out.").waitFor();
    await expect.poll(() => rows.count()).toBe(4);
    expect(await signedIn(firefox)).toBe(false);
    expect(await signedIn(iphone)).toBe(true);

    await page.getByRole("button", { name: "Sign out all other sessions" }).click();
    await page.getByRole("status").getByText("Signed out 2 other sessions.").waitFor();
    await expect.poll(() => rows.count()).toBe(2);
    await page.getByText("This is your only session.").waitFor();
    expect(await signedIn(iphone)).toBe(false);
    expect((await page.request.get(`${server.parley.url}/api/auth/me`)).status()).toBe(200);
    expect(errors).toEqual([]);
    await context.close();
  });
});
