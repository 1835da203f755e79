/**
 * A Parley server whose one model is remote, on a scripted upstream that answers as the prompt asks: it cites the
 * bot's knowledge with the marks the prompt lists, ends a Topic explorer reply with follow-up questions, and
 * otherwise says what it was asked. The tiny local model only writes the alphabet; these browser tests need
 * replies that cite and suggest.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { FOLLOW_UP_MARKER } from "../../src/bots/built-in/topic-explorer.js";
import { type ParleyProcess, startParley, temporaryDirectory } from "../support/parley-process.js";
import {
  knowledgeSentencesOf,
  type ScriptedRequest,
  type ScriptedUpstream,
  startScriptedUpstream,
} from "../support/scripted-openai-upstream.js";
import { ensureWebAppBuilt, launchChromium, useBrowserTestTimeouts } from "./browser-test-support.js";

/** The catalog id of the scripted model. */
export const SCRIPTED_MODEL = "remote-scripted";

export type ScriptedParley = { parley: ParleyProcess; upstream: ScriptedUpstream; stop(): Promise<void> };

/**
 * Call once at the top of a browser test file: a scripted Parley and a browser, started before its tests and
 * stopped after them. Read their fields inside tests and hooks only.
 */
export function useScriptedParleyInBrowser(): { server: ScriptedParley; browser: Browser } {
  const started = {} as { server: ScriptedParley; browser: Browser };
  useBrowserTestTimeouts();
  beforeAll(async () => {
    ensureWebAppBuilt();
    [started.server, started.browser] = await Promise.all([startScriptedParley(), launchChromium()]);
  });
  afterAll(async () => {
    await started.browser?.close();
    await started.server?.stop();
  });
  return started;
}

export async function startScriptedParley(): Promise<ScriptedParley> {
  const upstream = await startScriptedUpstream(scriptedReply);
  const dir = temporaryDirectory();
  writeFileSync(
    path.join(dir, "parley.config.yaml"),
    [
      "providers:",
      "  - id: scripted",
      "    type: openai-compatible",
      `    baseURL: ${upstream.baseURL}`,
      "    apiKey: test-key",
      "    models:",
      `      - id: ${SCRIPTED_MODEL}`,
      "        upstreamModel: scripted",
      "        contextWindow: 32768",
    ].join("\n"),
  );
  const parley = await startParley({ dataDir: dir });
  return {
    parley,
    upstream,
    async stop() {
      await parley.stop();
      await upstream.close();
    },
  };
}

/** The follow-up questions a Topic explorer reply about `question` ends with. */
export function followUpsFor(question: string): string[] {
  const topic = question.replace(/[.?!]+$/, "");
  return [`What comes after “${topic}”?`, `How do I practise “${topic}”?`, `Where does “${topic}” fit in?`];
}

function scriptedReply({ system, turns }: ScriptedRequest): string {
  const question = turns.at(-1)?.content ?? "";
  if (system.includes(FOLLOW_UP_MARKER)) {
    return [
      `## Overview`,
      `Here is a first look at ${question.replace(/[.?!]+$/, "")}.`,
      "",
      "### Explore further",
      FOLLOW_UP_MARKER,
      ...followUpsFor(question).map((followUp) => `- ${followUp}`),
    ].join("\n");
  }
  const cited = bestSentence(knowledgeSentencesOf(system), question);
  if (cited) return `From the guide: ${cited.text} [${cited.id}] It says nothing more on this [S99].`;
  return `You said: ${question}`;
}

/** The listed sentence sharing the most words (of four letters or more) with the question. */
function bestSentence(sentences: Map<string, string>, question: string): { id: string; text: string } | null {
  const words = question.toLowerCase().match(/\p{L}{4,}/gu) ?? [];
  let best: { id: string; text: string; score: number } | null = null;
  for (const [id, text] of sentences) {
    const lower = text.toLowerCase();
    const score = words.filter((word) => lower.includes(word)).length;
    if (score > 0 && (best === null || score > best.score)) best = { id, text, score };
  }
  return best;
}
