/** The addresses of the bot pages: the gallery (/bots) and the editor (/bots/new, /bots/:id/edit); the pages load on demand. */
export type BotPage = { kind: "gallery" } | { kind: "editor"; botId: string | null };

export function botPageFrom(pathname: string): BotPage | null {
  const trimmed = pathname.replace(/\/+$/, "");
  if (trimmed === "/bots") return { kind: "gallery" };
  if (trimmed === "/bots/new") return { kind: "editor", botId: null };
  const match = /^\/bots\/([^/]+)\/edit$/.exec(trimmed);
  return match?.[1] ? { kind: "editor", botId: decodeURIComponent(match[1]) } : null;
}

export function botPagePath(page: BotPage): string {
  if (page.kind === "gallery") return "/bots";
  return page.botId === null ? "/bots/new" : `/bots/${encodeURIComponent(page.botId)}/edit`;
}
