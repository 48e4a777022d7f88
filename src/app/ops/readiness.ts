/**
 * `/readyz`: the named checks a process must pass to take traffic. Each check answers
 * `{ ok, detail }`; a check that throws or takes longer than `CHECK_TIMEOUT_MS` fails with
 * that as its detail. `ready` is true when every check is ok.
 */

export interface CheckResult {
  ok: boolean;
  /** One line: the state, or what is wrong and the fix. */
  detail: string;
}

export type Check = () => CheckResult | Promise<CheckResult>;

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, CheckResult>;
}

/** A readiness probe must answer well within a scraper's or orchestrator's timeout (usually 1–5 s). */
export const CHECK_TIMEOUT_MS = 1500;

export class Readiness {
  private readonly checks = new Map<string, Check>();

  /** Add or replace the check called `name`. */
  set(name: string, check: Check): void {
    this.checks.set(name, check);
  }

  delete(name: string): void {
    this.checks.delete(name);
  }

  async report(timeoutMs = CHECK_TIMEOUT_MS): Promise<ReadinessReport> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]) => [name, await runCheck(check, timeoutMs)] as const),
    );
    const checks = Object.fromEntries(entries);
    return { ready: entries.every(([, r]) => r.ok), checks };
  }
}

async function runCheck(check: Check, timeoutMs: number): Promise<CheckResult> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      Promise.resolve().then(check),
      new Promise<CheckResult>((resolve) => {
        timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
      }),
    ]);
  } catch (err) {
    return { ok: false, detail: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}
