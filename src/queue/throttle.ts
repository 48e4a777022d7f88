/**
 * Throttled streaming edits, reusable by every platform Reply.
 *
 * `push(text)` never waits and never throws: it remembers the newest text and edits the
 * message at most once per `intervalMs` (the first push goes out at once). Older texts
 * that were overtaken are simply dropped — only the latest one matters. `flush()` sends
 * the latest text now if it has not been sent and waits until the edit is done; `cancel()`
 * drops a pending edit and waits for the one in flight (call it before the final edit, so
 * a late partial never overwrites the finished answer).
 */
export interface EditThrottle {
  push(text: string): void;
  flush(): Promise<void>;
  cancel(): Promise<void>;
}

export interface EditThrottleOptions {
  /** Minimum milliseconds between the starts of two edits. */
  intervalMs: number;
  /** Performs one edit. */
  edit(text: string): Promise<void>;
  /** Streaming edits are best effort: a failed one is reported here and the stream goes on. */
  onError?(err: unknown): void;
  /** Injectable clock for tests. */
  now?: () => number;
}

export function createEditThrottle(options: EditThrottleOptions): EditThrottle {
  const now = options.now ?? Date.now;
  let pending: string | undefined;
  let lastSent: string | undefined;
  let lastStart = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<void> | undefined;
  let cancelled = false;

  const send = (text: string): Promise<void> => {
    lastStart = now();
    lastSent = text;
    const run = (async () => {
      try {
        await options.edit(text);
      } catch (err) {
        options.onError?.(err);
      }
    })();
    inFlight = run.finally(() => {
      if (inFlight === tracked) inFlight = undefined;
      schedule();
    });
    const tracked = inFlight;
    return tracked;
  };

  // Send the pending text when the interval allows and nothing is in flight.
  const schedule = () => {
    if (cancelled || pending === undefined || inFlight || timer) return;
    const wait = lastStart + options.intervalMs - now();
    if (wait <= 0) {
      const text = pending;
      pending = undefined;
      if (text !== lastSent) void send(text);
      return;
    }
    timer = setTimeout(() => {
      timer = undefined;
      schedule();
    }, wait);
  };

  return {
    push(text) {
      if (cancelled) return;
      pending = text;
      schedule();
    },
    async flush() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      while (inFlight) await inFlight;
      const text = pending;
      pending = undefined;
      if (text !== undefined && text !== lastSent) await send(text);
      while (inFlight) await inFlight;
    },
    async cancel() {
      cancelled = true;
      pending = undefined;
      if (timer) clearTimeout(timer);
      timer = undefined;
      while (inFlight) await inFlight;
    },
  };
}
