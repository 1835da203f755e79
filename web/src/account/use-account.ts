/**
 * Whether the person at this page is signed in: asks the server once, and again whenever an API call answers
 * 401. In single-user mode (`--no-auth`) everyone is the one local user.
 */
import { useCallback, useEffect, useState } from "react";
import { ApiError } from "../api/api-error.js";
import { errorMessage } from "../api/error-message.js";
import {
  type CurrentUser,
  getAuthStatus,
  getCurrentUser,
  setUpAdmin,
  signIn as signInRequest,
  signOut as signOutRequest,
} from "../api/parley-api.js";
import { onSignedOut } from "../api/signed-out-signal.js";

export type AccountState =
  | { kind: "checking" }
  | { kind: "unreachable"; message: string }
  | { kind: "signed-out"; needsSetup: boolean }
  | { kind: "signed-in"; current: CurrentUser };

export type Account = {
  state: AccountState;
  recheck: () => void;
  /** Signs in, or with `setup` creates the first (admin) account; rejects with the server's reason. */
  signIn: (email: string, password: string, setup: boolean) => Promise<void>;
  signOut: () => Promise<void>;
};

export function useAccount(): Account {
  const [state, setState] = useState<AccountState>({ kind: "checking" });

  const recheck = useCallback(async () => {
    try {
      setState({ kind: "signed-in", current: await getCurrentUser() });
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) {
        setState({ kind: "unreachable", message: errorMessage(error) });
        return;
      }
      try {
        const status = await getAuthStatus();
        setState({ kind: "signed-out", needsSetup: status.needsSetup });
      } catch (statusError) {
        setState({ kind: "unreachable", message: (statusError as Error).message });
      }
    }
  }, []);

  useEffect(() => {
    void recheck();
    return onSignedOut(() => {
      setState((current) =>
        current.kind === "signed-in" ? { kind: "signed-out", needsSetup: false } : current,
      );
    });
  }, [recheck]);

  const signIn = useCallback(
    async (email: string, password: string, setup: boolean) => {
      await (setup ? setUpAdmin(email, password) : signInRequest(email, password));
      await recheck();
    },
    [recheck],
  );

  const signOut = useCallback(async () => {
    await signOutRequest();
    await recheck();
  }, [recheck]);

  return { state, recheck: () => void recheck(), signIn, signOut };
}
