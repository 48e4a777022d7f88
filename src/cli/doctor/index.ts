/**
 * `runDoctor`: configuration → Redis → Ollama → embedding model → index → platforms, in that
 * order, each line handed to `onLine` as soon as it is known (a slow check does not hide the
 * ones before it).
 */
import { loadDotEnv } from '../../config/dotenv.js';
import { ConfigError } from '../../errors.js';
import { createLogger } from '../../log.js';
import type { Embedder } from '../../rag/embed/embedder.js';
import { loadConfiguredEmbedder } from '../../rag/retrieval-level.js';
import { checkConfiguration, resolveConfig } from './check-config.js';
import { checkEmbeddingModel, checkIndex } from './check-index.js';
import { checkOllama } from './check-ollama.js';
import { checkPlatforms } from './check-platforms.js';
import { checkRedis } from './check-redis.js';
import { errorText, exitCodeOf, fail, type DoctorContext, type DoctorLine } from './checks.js';

export { exitCodeOf, formatLine, type DoctorLine } from './checks.js';

export interface DoctorOptions {
  /** The environment (default process.env; not modified). */
  env?: Record<string, string | undefined>;
  /** Where `.env` is read from (default: the working directory). */
  cwd?: string;
  timeoutMs?: number;
  onLine?: (line: DoctorLine) => void;
}

export async function runDoctor(options: DoctorOptions = {}): Promise<{ lines: DoctorLine[]; exitCode: number }> {
  const lines: DoctorLine[] = [];
  const emit = (found: DoctorLine[]) => {
    for (const line of found) {
      lines.push(line);
      options.onLine?.(line);
    }
  };
  const env = { ...(options.env ?? process.env) };
  let dotEnv;
  try {
    dotEnv = loadDotEnv({ cwd: options.cwd, env });
  } catch (err) {
    emit([fail('configuration', errorText(err), err instanceof ConfigError ? 'fix or remove the file' : 'check the working directory')]);
  }
  const { config, problems } = resolveConfig(env);
  // The model is loaded at most once, quietly, and closed at the end.
  let model: Promise<Embedder> | undefined;
  const quiet = createLogger({ level: 'silent' });
  const context: DoctorContext = {
    config,
    dotEnv,
    timeoutMs: options.timeoutMs ?? 5000,
    embedder: () => (model ??= loadConfiguredEmbedder(config, quiet)),
  };
  emit(checkConfiguration(config, problems, dotEnv));
  try {
    for (const check of [checkRedis, checkOllama, checkEmbeddingModel, checkIndex, checkPlatforms]) {
      try {
        emit(await check(context));
      } catch (err) {
        emit([fail(check.name.replace(/^check/, '').toLowerCase() || 'check', `the check itself failed: ${errorText(err)}`, 'report this as a bug')]);
      }
    }
  } finally {
    await (await model?.catch(() => undefined))?.close();
  }
  return { lines, exitCode: exitCodeOf(lines) };
}
