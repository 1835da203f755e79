import { describe, expect, it } from "vitest";
import { AppError } from "../core/app-error.js";
import { articlePrompt, articleRequestIn, MAX_ARTICLE_CHARACTERS } from "./article-prompt.js";
import type { FetchedArticle } from "./fetch-url.js";

const article = (markdown: string): FetchedArticle => ({
  url: "https://blog.example/post",
  finalUrl: "https://blog.example/post",
  title: 'Loops & "Queues"',
  byline: null,
  siteName: null,
  markdown,
});

describe("finding the article a message asks about", () => {
  it("takes a message that is one link, with or without a short note, and drops the sentence's punctuation", () => {
    expect(articleRequestIn("https://blog.example/post")).toEqual({
      url: "https://blog.example/post",
      note: "",
    });
    expect(articleRequestIn("Translate into Japanese: https://blog.example/post.")).toEqual({
      url: "https://blog.example/post",
      note: "Translate into Japanese:",
    });
    expect(articleRequestIn("(see https://en.wikipedia.org/wiki/Loop_(computing))")?.url).toBe(
      "https://en.wikipedia.org/wiki/Loop_(computing)",
    );
    expect(articleRequestIn("请翻译 https://blog.example/post，谢谢")?.url).toBe("https://blog.example/post");
    expect(articleRequestIn("https://zh.wikipedia.org/wiki/事件循环")?.url).toBe(
      "https://zh.wikipedia.org/wiki/事件循环",
    );
  });

  it("leaves alone messages with no link, several links, or a long text around a link", () => {
    expect(articleRequestIn("Translate: event loops dispatch callbacks.")).toBeUndefined();
    expect(articleRequestIn("https://a.example/x and https://b.example/y")).toBeUndefined();
    expect(articleRequestIn(`${"Some long pasted text. ".repeat(20)} https://a.example/x`)).toBeUndefined();
    expect(articleRequestIn("ftp://files.example/notes.txt")).toBeUndefined();
  });
});

describe("the prompt with the article", () => {
  it("gives the model the article's Markdown, its URL and its title (escaped), after the user's note", async () => {
    const prompt = await articlePrompt("into German https://blog.example/post", async () =>
      article("# Loops\n\nText."),
    );
    expect(prompt).toBe(
      'into German\n\n<article url="https://blog.example/post" title="Loops &amp; &quot;Queues&quot;">\n# Loops\n\nText.\n</article>',
    );
  });

  it("cuts a very long article at a paragraph and says so", async () => {
    const paragraph = `${"word ".repeat(199)}word`;
    const long = Array.from({ length: 100 }, () => paragraph).join("\n\n");
    const prompt = await articlePrompt("https://blog.example/post", async () => article(long));
    expect(prompt.length).toBeLessThan(MAX_ARTICLE_CHARACTERS + 500);
    expect(prompt).toMatch(/word\n<\/article>\n\n\(Parley cut this article after \d+ of its \d+ characters/);
  });

  it("passes on why the page could not be fetched, and rethrows anything that is not a Parley error", async () => {
    const refused = await articlePrompt("http://10.0.0.1/", async () => {
      throw new AppError("url_refused", "10.0.0.1 is a private address.", { status: 400 });
    });
    expect(refused).toBe(
      "http://10.0.0.1/\n\n(Parley tried to fetch http://10.0.0.1/ and could not: 10.0.0.1 is a private address.)",
    );
    await expect(
      articlePrompt("http://x.example/", async () => {
        throw new TypeError("a bug");
      }),
    ).rejects.toThrow("a bug");
  });
});
