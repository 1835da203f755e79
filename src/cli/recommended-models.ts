/** The model family Parley recommends for running locally: one per tier, fast to smart. */

export type RecommendedModel = {
  name: string;
  tier: "fast" | "balanced" | "smart";
  description: string;
  /** node-llama-cpp model address: hf:<owner>/<repo>/<file>. */
  uri: string;
  fileName: string;
  approximateBytes: number;
};

export const RECOMMENDED_MODELS: readonly RecommendedModel[] = [
  {
    name: "qwen3-0.6b",
    tier: "fast",
    description: "Qwen3 0.6B (Q8_0): quick answers on any laptop CPU",
    uri: "hf:Qwen/Qwen3-0.6B-GGUF/Qwen3-0.6B-Q8_0.gguf",
    fileName: "qwen3-0.6b.gguf",
    approximateBytes: 639_000_000,
  },
  {
    name: "qwen3-1.7b",
    tier: "balanced",
    description: "Qwen3 1.7B (Q8_0): better reasoning, still fast on a CPU",
    uri: "hf:Qwen/Qwen3-1.7B-GGUF/Qwen3-1.7B-Q8_0.gguf",
    fileName: "qwen3-1.7b.gguf",
    approximateBytes: 1_830_000_000,
  },
  {
    name: "qwen3-4b",
    tier: "smart",
    description: "Qwen3 4B (Q4_K_M): the most capable of the three; wants 4 GB of memory",
    uri: "hf:Qwen/Qwen3-4B-GGUF/Qwen3-4B-Q4_K_M.gguf",
    fileName: "qwen3-4b.gguf",
    approximateBytes: 2_500_000_000,
  },
];

export function findRecommendedModel(name: string): RecommendedModel | undefined {
  return RECOMMENDED_MODELS.find((model) => model.name === name.toLowerCase());
}
