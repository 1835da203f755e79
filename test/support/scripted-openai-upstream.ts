/**
 * A stand-in for a remote OpenAI-compatible model whose replies a test writes: the fault upstream's `scripted` model
 * (real HTTP on 127.0.0.1, the real streamed Chat Completions wire format), with a reply chosen by a script from
 * what the request says, the way a model follows its prompt (a bot's instructions and knowledge arrive in the system
 * message). Serve it as upstream model `scripted`.
 */
import { type RequestText, startFaultUpstream } from "./fault-upstream.js";

export type ScriptedTurn = { role: string; content: string };

export type ScriptedRequest = {
  model: string;
  /** The system messages, joined: a bot's instructions and its knowledge. */
  system: string;
  /** Every other message, in order; the last is the user's latest. */
  turns: ScriptedTurn[];
};

export type ReplyScript = (request: ScriptedRequest) => string;

export type ScriptedUpstream = {
  baseURL: string;
  requests: ScriptedRequest[];
  close(): Promise<void>;
};

export async function startScriptedUpstream(script: ReplyScript): Promise<ScriptedUpstream> {
  const upstream = await startFaultUpstream({ script: (request) => script(scriptedRequestOf(request)) });
  return {
    baseURL: upstream.openAIBaseURL,
    get requests() {
      return upstream.requests.map(scriptedRequestOf);
    },
    close: () => upstream.close(),
  };
}

/**
 * The sentences a bot's knowledge showed the model, by id, as the prompt lists them
 * (src/bots/knowledge-prompt.ts: `[S1] The sentence.` lines).
 */
export function knowledgeSentencesOf(system: string): Map<string, string> {
  const sentences = new Map<string, string>();
  for (const match of system.matchAll(/^\[(S\d+)\] (.+)$/gm))
    sentences.set(match[1] as string, match[2] as string);
  return sentences;
}

/** A request as a script reads it: text turns only. */
function scriptedRequestOf({ model, system, turns }: RequestText): ScriptedRequest {
  return { model, system, turns: turns.map(({ role, content }) => ({ role, content })) };
}
