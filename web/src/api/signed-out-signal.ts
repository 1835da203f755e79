/** Tells the app when the server answers 401: the session ended (expired, signed out elsewhere), so it asks to sign in. */
const listeners = new Set<() => void>();

export function signalSignedOut(): void {
  for (const listener of listeners) listener();
}

export function onSignedOut(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
