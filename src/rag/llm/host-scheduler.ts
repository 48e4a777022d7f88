/**
 * Least-busy selection over several Ollama hosts, each serving at most `concurrency`
 * requests at once (llama3.2-vision's runner serves one at a time, so the default is 1).
 * Requests beyond the capacity wait in FIFO order for the next free slot.
 *
 * A host that just failed to connect is avoided for `cooldownMs` while another host has
 * room, so one dead machine does not eat every other request.
 */
import { abortError } from './llm.js';

export interface HostLease {
  readonly host: string;
  /** Give the slot back; `failed` marks a connection failure (host avoided for a while). */
  release(failed?: boolean): void;
}

interface HostState {
  host: string;
  active: number;
  lastUsed: number;
  downUntil: number;
}

interface Waiter {
  resolve: (lease: HostLease) => void;
  reject: (err: Error) => void;
  exclude?: string;
  cleanup: () => void;
}

export class HostScheduler {
  private readonly hosts: HostState[];
  private readonly waiters: Waiter[] = [];
  private tick = 0;

  constructor(
    hosts: readonly string[],
    private readonly concurrency: number,
    private readonly cooldownMs = 5000,
    private readonly now: () => number = Date.now,
  ) {
    if (hosts.length === 0) throw new Error('HostScheduler needs at least one host');
    this.hosts = hosts.map((host) => ({ host, active: 0, lastUsed: 0, downUntil: 0 }));
  }

  /** Requests in flight per host. */
  busy(): Record<string, number> {
    return Object.fromEntries(this.hosts.map((h) => [h.host, h.active]));
  }

  get hostCount(): number {
    return this.hosts.length;
  }

  /**
   * Wait for a slot on the least-busy host. `exclude` avoids one host (used to retry
   * elsewhere) when another one exists.
   */
  acquire(signal?: AbortSignal, exclude?: string): Promise<HostLease> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const state = this.pick(exclude);
    if (state) return Promise.resolve(this.lease(state));
    return new Promise<HostLease>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(abortError(signal));
      };
      const waiter: Waiter = {
        resolve,
        reject,
        exclude,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private pick(exclude?: string): HostState | undefined {
    const now = this.now();
    const free = this.hosts.filter((h) => h.active < this.concurrency);
    const preferred = free.filter((h) => h.host !== exclude || this.hosts.length === 1);
    const pool = preferred.length > 0 ? preferred : [];
    if (pool.length === 0) return undefined;
    const healthy = pool.filter((h) => h.downUntil <= now);
    const candidates = healthy.length > 0 ? healthy : pool;
    // Least busy first; among equals the one used longest ago (round-robin).
    return candidates.reduce((best, h) =>
      h.active < best.active || (h.active === best.active && h.lastUsed < best.lastUsed) ? h : best,
    );
  }

  private lease(state: HostState): HostLease {
    state.active++;
    state.lastUsed = ++this.tick;
    let released = false;
    return {
      host: state.host,
      release: (failed = false) => {
        if (released) return;
        released = true;
        state.active--;
        if (failed) state.downUntil = this.now() + this.cooldownMs;
        this.serveWaiters();
      },
    };
  }

  private serveWaiters(): void {
    for (let i = 0; i < this.waiters.length; ) {
      const waiter = this.waiters[i]!;
      const state = this.pick(waiter.exclude);
      if (!state) {
        i++;
        continue;
      }
      this.waiters.splice(i, 1);
      waiter.cleanup();
      waiter.resolve(this.lease(state));
    }
  }

  /** Reject everyone still waiting (shutdown). */
  rejectAll(err: Error): void {
    for (const waiter of this.waiters.splice(0)) {
      waiter.cleanup();
      waiter.reject(err);
    }
  }
}
