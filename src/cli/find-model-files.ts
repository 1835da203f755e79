/** Finds the GGUF files in a models folder, as `parley pull` leaves them. */
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { modelIdFromFile } from "../config/load-config.js";

export type ModelFile = { id: string; path: string; bytes: number };

export function findModelFiles(modelsDir: string): ModelFile[] {
  let names: string[];
  try {
    names = readdirSync(modelsDir);
  } catch {
    return [];
  }
  return names
    .filter((name) => name.toLowerCase().endsWith(".gguf"))
    .sort()
    .map((name) => {
      const file = path.join(modelsDir, name);
      return { id: modelIdFromFile(name), path: file, bytes: statSync(file).size };
    });
}
