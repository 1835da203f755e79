/**
 * Syntax colours for code blocks. highlight.js is loaded on the first code block, not with the page, so the
 * chat page's own JavaScript stays small; blocks render plain until it arrives, then re-render coloured.
 */
type Highlight = (code: string, language: string) => string | null;

let highlightFunction: Highlight | null = null;
let loading = false;
let version = 0;
const listeners = new Set<() => void>();

/** Highlighted, escaped HTML; null while the highlighter loads or when the language is unknown. */
export function highlightCode(code: string, language: string): string | null {
  if (!language) return null;
  if (!highlightFunction) {
    loadHighlighter();
    return null;
  }
  return highlightFunction(code, language.toLowerCase());
}

function loadHighlighter(): void {
  if (loading) return;
  loading = true;
  import("./highlight-languages.js").then(
    (module) => {
      highlightFunction = module.highlight;
      version++;
      for (const listener of listeners) listener();
    },
    () => {
      // Offline or a deploy replaced the chunk: plain code is still readable; try again on the next block.
      loading = false;
    },
  );
}

/** For useSyncExternalStore: changes once, when the highlighter has loaded. */
export function subscribeToHighlighter(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function highlighterVersion(): number {
  return version;
}
