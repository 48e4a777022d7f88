/**
 * Start-up check of the Ollama hosts: is the server there, does it have the model?
 *
 * - Server unreachable: a warning, not an error. Answers fall back to retrieval-only until
 *   it comes up (the user still gets something useful).
 * - Model missing: pulled with progress (`ollama pull` semantics) when OLLAMA_AUTO_PULL=true,
 *   otherwise a loud warning naming the command to run: the process keeps running and
 *   answers retrieval-only until the model is there (a worker started before `ollama pull`
 *   must not crash-loop; `/readyz` and `mrag doctor` say what is missing).
 *
 * `ollamaStatus` asks the same questions again at any time (the worker's `/readyz`).
 */
import { Ollama } from 'ollama';
import { UserFacingError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { classifyOllamaError, displayHost } from './ollama-call.js';

export interface PullProgress {
  host: string;
  model: string;
  status: string;
  completed?: number;
  total?: number;
}

export interface OllamaCheckOptions {
  hosts: readonly string[];
  model: string;
  autoPull: boolean;
  logger: Logger;
  onPullProgress?: (progress: PullProgress) => void;
  /** Per-request limit of the check itself (not of a pull, which may take long). */
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

export interface OllamaCheckReport {
  /** Hosts that answered and have the model (after a pull, if one was needed). */
  ready: string[];
  /** Hosts that did not answer at all. */
  unreachable: string[];
  /** Hosts that answered but lack the model (OLLAMA_AUTO_PULL=false): answers are retrieval-only until it is pulled. */
  missingModel: string[];
  pulled: string[];
}

/** The fix for a missing model, in one line. */
export const pullHint = (model: string) => `run \`ollama pull ${model}\` there, or set OLLAMA_AUTO_PULL=true to pull it at start-up`;

function clientFor(host: string, timeoutMs: number | undefined, fetchImpl: typeof fetch = fetch): Ollama {
  return new Ollama({
    host,
    fetch: (input, init) =>
      fetchImpl(input, {
        ...init,
        ...(timeoutMs && !init?.signal ? { signal: AbortSignal.timeout(timeoutMs) } : {}),
      }),
  });
}

function statusOf(err: unknown): number | undefined {
  const status = (err as { status_code?: unknown } | undefined)?.status_code;
  return typeof status === 'number' ? status : undefined;
}

export async function checkOllama(options: OllamaCheckOptions): Promise<OllamaCheckReport> {
  const report: OllamaCheckReport = { ready: [], unreachable: [], missingModel: [], pulled: [] };
  for (const host of options.hosts) {
    const shown = displayHost(host);
    const client = clientFor(host, options.timeoutMs ?? 10_000, options.fetchImpl);
    let available: string[];
    try {
      available = (await client.list()).models.map((m) => m.name);
    } catch (err) {
      options.logger.warn(
        { host: shown, failure: classifyOllamaError(err), err: err instanceof Error ? err.message : String(err) },
        'Ollama is not reachable; answers fall back to retrieval-only until it is',
      );
      report.unreachable.push(host);
      continue;
    }
    if (await hasModel(client, options.model)) {
      report.ready.push(host);
      continue;
    }
    if (!options.autoPull) {
      const have = available.length > 0 ? ` (it has: ${available.slice(0, 8).join(', ')})` : ' (it has no models yet)';
      options.logger.warn(
        { host: shown, model: options.model },
        `The Ollama server at ${shown} does not have the model "${options.model}"${have}: answers are retrieval-only until it does; ${pullHint(options.model)}.`,
      );
      report.missingModel.push(host);
      continue;
    }
    await pullModel(host, options);
    report.pulled.push(host);
    report.ready.push(host);
  }
  return report;
}

export interface OllamaStatus {
  ready: string[];
  missingModel: string[];
  unreachable: string[];
}

/** Which hosts have the model now (no pull, no logging); each host bounded by `timeoutMs`. */
export async function ollamaStatus(hosts: readonly string[], model: string, timeoutMs = 1000, fetchImpl?: typeof fetch): Promise<OllamaStatus> {
  const status: OllamaStatus = { ready: [], missingModel: [], unreachable: [] };
  await Promise.all(
    hosts.map(async (host) => {
      const client = clientFor(host, timeoutMs, fetchImpl);
      try {
        await client.show({ model });
        status.ready.push(host);
      } catch (err) {
        (statusOf(err) === 404 ? status.missingModel : status.unreachable).push(host);
      }
    }),
  );
  return status;
}

/** `show` answers 404 for a missing model; match on the status, not on the message text. */
async function hasModel(client: Ollama, model: string): Promise<boolean> {
  try {
    await client.show({ model });
    return true;
  } catch (err) {
    if (statusOf(err) === 404) return false;
    throw new UserFacingError('ollama_check_failed', `Checking the Ollama model "${model}" failed: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

async function pullModel(host: string, options: OllamaCheckOptions): Promise<void> {
  const shown = displayHost(host);
  options.logger.info({ host: shown, model: options.model }, 'pulling the Ollama model (OLLAMA_AUTO_PULL=true)');
  // No timeout on a pull: large models take minutes; progress shows it is alive.
  const client = clientFor(host, undefined, options.fetchImpl);
  let last = '';
  try {
    const stream = await client.pull({ model: options.model, stream: true });
    for await (const part of stream) {
      last = part.status;
      options.onPullProgress?.({ host: shown, model: options.model, status: part.status, completed: part.completed, total: part.total });
    }
  } catch (err) {
    throw new UserFacingError(
      'ollama_pull_failed',
      `Pulling "${options.model}" on ${shown} failed: ${err instanceof Error ? err.message : String(err)}. Run \`ollama pull ${options.model}\` there by hand.`,
      { cause: err },
    );
  }
  if (last !== 'success') {
    throw new UserFacingError('ollama_pull_failed', `Pulling "${options.model}" on ${shown} did not finish (last status: ${last || 'none'}).`);
  }
}
