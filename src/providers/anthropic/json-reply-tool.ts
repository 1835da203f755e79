/**
 * JSON replies on Anthropic's Messages API, which has no `response_format`: the reply is a call of one tool whose
 * input schema is the reply's schema, the tool choice forcing that call (the way Anthropic documents getting JSON
 * out of its models). The call's input, streamed as `input_json_delta`, is the reply's text; the tool is Parley's
 * own and never reaches the client.
 */
import type { MessageCreateParams, Tool } from "@anthropic-ai/sdk/resources/messages";
import { ProviderError } from "../../core/app-error.js";
import type { ChatStreamSink, ResponseFormat } from "../chat-model.js";

/** The tool's name: the schema's own when it has one (the model reads it), else a plain one. */
const JSON_OBJECT_TOOL = "json_reply";

export function jsonReplyTool(format: ResponseFormat): Pick<MessageCreateParams, "tools" | "tool_choice"> {
  const name = format.type === "json_schema" ? format.name : JSON_OBJECT_TOOL;
  const schema = format.type === "json_schema" ? format.schema : undefined;
  if (schema !== undefined && schema.type !== "object") {
    // The API takes only object schemas as a tool's input: the reply's document must be an object.
    throw new ProviderError(
      `Anthropic's models give JSON replies only as objects: the schema's "type" must be "object", not ${JSON.stringify(schema.type ?? null)}.`,
      { code: "invalid_response_format", isRetryable: false },
    );
  }
  const description =
    format.type === "json_schema" && format.description !== undefined
      ? format.description
      : "Give the whole reply as this tool's input.";
  return {
    tools: [{ name, description, input_schema: (schema ?? { type: "object" }) as Tool.InputSchema }],
    tool_choice: { type: "tool", name, disable_parallel_tool_use: true },
  };
}

/**
 * The parts of a reply made by the forced call, as a JSON reply: the call's input pieces are its text; anything
 * else the model wrote around it is not part of the document; the call ending the turn is the reply's end.
 */
export function jsonReplySink(sink: ChatStreamSink): ChatStreamSink {
  return (part) => {
    if (part.type === "tool_call.delta") sink({ type: "text.delta", text: part.arguments });
    else if (part.type === "finish")
      sink(part.reason === "tool_calls" ? { type: "finish", reason: "stop" } : part);
    else if (part.type !== "tool_call.start" && part.type !== "text.delta") sink(part);
  };
}
