/** A model of the catalog before failover is wrapped around it: what it is and the endpoints that serve it. */
import type { ChatModel, ChatPrompt } from "../providers/chat-model.js";
import type { ModelInfo, ModelStatus } from "../runs/model-catalog.js";

export type ModelEndpoint = {
  /** Names the endpoint in metrics and breaker state, e.g. `fleet:http://10.0.0.5:8000/v1` or `engine:tiny`. */
  endpointId: string;
  chatModel: ChatModel;
  supportsPrefill: boolean;
};

export type ServedModel = {
  info: ModelInfo;
  endpoints: ModelEndpoint[];
  status: () => ModelStatus;
  /** Catalog ids to continue on, in order, when this model's endpoints fail. */
  fallbacks: readonly string[];
  /** Exact prompt tokens, where the model can count them. */
  countTokens?: (prompt: ChatPrompt) => Promise<number>;
};
