// The Topic explorer's follow-up questions: shown as chips under its reply (the marker and the list hidden), and a
// click on one sends that question.
import { describe, expect, it } from "vitest";
import { artifactPath, lastReply, newChatPage } from "./browser-test-support.js";
import { followUpsFor, useScriptedParleyInBrowser } from "./scripted-parley.js";

const scripted = useScriptedParleyInBrowser();

describe("follow-up questions in the web app", () => {
  it("shows the Topic explorer's follow-up questions as chips, and a chip sends its question", async () => {
    const { context, page, errors } = await newChatPage(scripted.browser, scripted.server.parley.url);
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await page.goto("/b/topic-explorer");
    const starter = "Teach me the basics of information theory.";
    await page.getByRole("button", { name: starter }).click();
    await expect.poll(() => lastReply(page).getAttribute("data-status")).toBe("complete");

    const chips = () =>
      lastReply(page).getByRole("list", { name: "Follow-up questions" }).getByRole("button");
    expect(await chips().allTextContents()).toEqual(followUpsFor(starter));
    // The reply keeps its heading; the marker and the list became the chips.
    const text = (await lastReply(page).locator(".markdown").textContent()) ?? "";
    expect(text).toContain("Explore further");
    expect(text).not.toContain("follow-up questions");
    expect(text).not.toContain(followUpsFor(starter)[0]);
    await page.screenshot({ path: artifactPath("follow-up-chips.png") });
    // Copied as Markdown, the reply is what the model wrote, questions and all.
    await lastReply(page).getByRole("button", { name: "Copy as Markdown" }).click();
    const copied = (await page.evaluate(() => navigator.clipboard.readText())) as string;
    expect(copied).toContain("### Explore further\n<!-- follow-up questions -->\n- ");
    expect(copied.endsWith(`- ${followUpsFor(starter)[2]}`)).toBe(true);

    const question = followUpsFor(starter)[1] as string;
    await page.getByRole("button", { name: question }).click();
    await expect.poll(() => page.locator(".user-bubble").last().textContent()).toBe(question);
    await expect.poll(() => lastReply(page).getAttribute("data-status")).toBe("complete");
    expect(scripted.server.upstream.requests.at(-1)?.turns.at(-1)).toEqual({
      role: "user",
      content: question,
    });
    // Only the latest reply offers chips: the new one, about the question just asked.
    expect(await chips().allTextContents()).toEqual(followUpsFor(question));
    expect(await page.getByRole("list", { name: "Follow-up questions" }).count()).toBe(1);
    expect(errors).toEqual([]);
    await context.close();
  });
});
