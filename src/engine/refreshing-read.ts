/**
 * Something read from the cluster that the pipeline keeps using between reads — a list index, a
 * fairness lookup index: read again once `refreshMs` has passed since the last good read (0: on
 * every call), and after a failed read, once `retryMs` has passed (0: on every call). A failed read
 * never loses what was read before: the last good value stays in use (undefined before the first),
 * and `onError` is told whether there was one, so the log can say which.
 */
export interface RefreshingReadOptions<T> {
  readonly read: () => Promise<T>;
  readonly refreshMs: number;
  readonly retryMs: number;
  readonly now?: () => number;
  readonly onRead?: (value: T) => void;
  readonly onError: (error: unknown, kept: T | undefined) => void;
}

export function refreshingRead<T>(o: RefreshingReadOptions<T>): () => Promise<T | undefined> {
  const now = o.now ?? Date.now;
  let current: T | undefined;
  let nextRead = -Infinity;
  return async () => {
    if (now() < nextRead) return current;
    try {
      current = await o.read();
      nextRead = now() + o.refreshMs;
      o.onRead?.(current);
    } catch (error) {
      nextRead = now() + o.retryMs;
      o.onError(error, current);
    }
    return current;
  };
}
