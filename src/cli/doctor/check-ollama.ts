/**
 * Doctor: Ollama, per host of OLLAMA_HOST — reachable (`/api/tags`), the model present
 * (`/api/show`, 404 = not pulled), and able to see images (`capabilities` of `/api/show`
 * contains "vision") where the retrieval level sends it figures (levels 2 and 3).
 * Uses the real `ollama` client, as the answerer does.
 */
import { Ollama } from 'ollama';
import { displayHost } from '../../rag/llm/ollama-call.js';
import { errorText, fail, ok, warn, type DoctorContext, type DoctorLine } from './checks.js';

const statusOf = (err: unknown) => (err as { status_code?: unknown } | undefined)?.status_code;

function client(host: string, timeoutMs: number): Ollama {
  // The client has no timeout of its own: bound each call.
  const timed: typeof fetch = (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  return new Ollama({ host, fetch: timed });
}

export async function checkOllama({ config, timeoutMs }: DoctorContext): Promise<DoctorLine[]> {
  const model = config.ollama.model;
  const pull = `\`ollama pull ${model}\` on that host (Compose: \`docker compose exec ollama ollama pull ${model}\`), or OLLAMA_AUTO_PULL=true`;
  const needsVision = config.retrieval.level !== 1;
  const lines: DoctorLine[] = [];
  for (const host of config.ollama.hosts) {
    const shown = displayHost(host);
    const ollama = client(host, timeoutMs);
    try {
      await ollama.list();
    } catch (err) {
      lines.push(fail('Ollama', `cannot reach ${shown} (${errorText(err)}); answers would be retrieval-only`, 'start Ollama (`ollama serve`, or `docker compose up -d ollama`) or set OLLAMA_HOST'));
      continue;
    }
    lines.push(ok('Ollama', `reachable at ${shown}`));
    let capabilities: string[] | undefined;
    try {
      const shownModel = await ollama.show({ model });
      capabilities = (shownModel as { capabilities?: string[] }).capabilities;
    } catch (err) {
      if (statusOf(err) === 404) lines.push(fail('Ollama model', `${model} is not on ${shown}`, pull));
      else lines.push(fail('Ollama model', `${shown} could not describe ${model} (${errorText(err)})`, 'check the Ollama server log'));
      continue;
    }
    if (!needsVision) {
      lines.push(ok('Ollama model', `${model} on ${shown} (level 1: figures reach it as text)`));
    } else if (!capabilities) {
      lines.push(warn('Ollama model', `${model} on ${shown}; this Ollama does not report capabilities, so vision support is unknown`, 'upgrade Ollama, and make sure the model is a vision model (llama3.2-vision, gemma3, qwen2.5vl)'));
    } else if (capabilities.includes('vision')) {
      lines.push(ok('Ollama model', `${model} on ${shown} (vision)`));
    } else {
      lines.push(
        fail('Ollama model', `${model} on ${shown} cannot see images (capabilities: ${capabilities.join(', ') || 'none'}), but this level sends it figures`, 'use a vision model (OLLAMA_MODEL=llama3.2-vision, gemma3 or qwen2.5vl), or RETRIEVAL_LEVEL=1 for a text-only model'),
      );
    }
  }
  return lines;
}
