/**
 * The model catalog from GET /api/models, polled while an engine is starting so the page sees it get ready, and
 * more slowly while a model's servers are failing, so the picker sees it come back.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { errorMessage } from "../api/error-message.js";
import type { ModelListing } from "../api/model-listing.js";
import { listModels } from "../api/parley-api.js";

export type ModelsState = {
  models: ModelListing[];
  /** The server's advice when it has no model at all. */
  hint: string | null;
  loaded: boolean;
  error: string | null;
  reload: () => void;
};

const POLL_WHILE_STARTING_MS = 2000;
/** A circuit breaker stays open for its cool-down (30 s by default); looking twice as often is enough. */
const POLL_WHILE_FAILING_MS = 15_000;
const POLL_AFTER_ERROR_MS = 5000;

export function useModels(): ModelsState {
  const [state, setState] = useState<Omit<ModelsState, "reload">>({
    models: [],
    hint: null,
    loaded: false,
    error: null,
  });
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const request = useRef<AbortController>(undefined);

  const reload = useCallback(() => {
    clearTimeout(timer.current);
    request.current?.abort();
    const controller = new AbortController();
    request.current = controller;
    listModels(controller.signal).then(
      (list) => {
        setState({ models: list.models, hint: list.hint ?? null, loaded: true, error: null });
        const settling = list.models.some(
          (model) => model.status.state === "starting" || model.status.state === "restarting",
        );
        const failing = list.models.some((model) => model.availability !== "available");
        if (settling) timer.current = setTimeout(reload, POLL_WHILE_STARTING_MS);
        else if (failing) timer.current = setTimeout(reload, POLL_WHILE_FAILING_MS);
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setState((current) => ({
          ...current,
          loaded: true,
          error: errorMessage(error),
        }));
        timer.current = setTimeout(reload, POLL_AFTER_ERROR_MS);
      },
    );
  }, []);

  useEffect(() => {
    reload();
    return () => {
      clearTimeout(timer.current);
      request.current?.abort();
    };
  }, [reload]);

  return { ...state, reload };
}
