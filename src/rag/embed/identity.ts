/**
 * A model's identity as the index records it: a readable id, the vector length and a
 * fingerprint of its config.json. No absolute path: the same model copied to another
 * directory or machine has the same identity, so an index travels with it.
 *
 * The fingerprint is sha256 over the config's canonical JSON (keys sorted) without the
 * provenance keys exporters write differently for the same weights (`_name_or_path`,
 * `transformers_version`, `_commit_hash`), first 16 hex digits. It tells architectures and
 * releases apart, not fine-tunes that share a config (hashing hundreds of MB of weights at
 * every start would cost seconds).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface ModelIdentity {
  /** The Hub id, or for a local directory the name its config gives (`_name_or_path`), else the directory's name. */
  id: string;
  /** Length of the embedding vectors. */
  dim: number;
  /** See the module comment; absent only for indexes written before fingerprints existed. */
  fingerprint?: string;
}

const PROVENANCE_KEYS = new Set(['_name_or_path', 'transformers_version', '_commit_hash']);

function canonical(value: unknown, top = true): unknown {
  if (Array.isArray(value)) return value.map((v) => canonical(v, false));
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([k]) => !(top && PROVENANCE_KEYS.has(k)))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, canonical(v, false)]));
  }
  return value;
}

/** Fingerprint of a parsed config.json (see the module comment). */
export function configFingerprint(config: unknown): string {
  return createHash('sha256').update(JSON.stringify(canonical(config))).digest('hex').slice(0, 16);
}

export interface ModelConfigInfo {
  /** Parsed config.json. */
  config: Record<string, unknown>;
  fingerprint: string;
  /** `model_type` of the config ('clip', 'siglip', …). */
  modelType?: string;
}

/** Read `<dir>/config.json`; undefined when it is absent or unreadable. */
export function readModelConfig(dir: string): ModelConfigInfo | undefined {
  const file = path.join(dir, 'config.json');
  if (!existsSync(file)) return undefined;
  try {
    const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    return { config, fingerprint: configFingerprint(config), modelType: typeof config.model_type === 'string' ? config.model_type : undefined };
  } catch {
    return undefined;
  }
}

/** The readable id of a local model directory: the config's `_name_or_path` when it is a Hub-style name, else the directory name. */
export function localModelName(dir: string, config?: Record<string, unknown>): string {
  const named = config?._name_or_path;
  if (typeof named === 'string' && named && !path.isAbsolute(named) && !named.startsWith('.')) return named;
  return path.basename(path.resolve(dir));
}

/** What an index has on record (meta.json); all absent while it holds no vectors. */
export interface RecordedModel {
  model?: string;
  dim?: number;
  fingerprint?: string;
}

/**
 * Whether vectors of `current` are comparable with those recorded. With fingerprints on both
 * sides they decide (the id may differ: a Hub id and a copied directory of it); indexes
 * written before fingerprints compare by id, where an id that is an absolute path of an
 * existing directory is fingerprinted from that directory.
 */
export function sameModel(recorded: RecordedModel, current: { id: string; dim?: number; fingerprint?: string; ref?: string }): boolean {
  if (recorded.dim !== undefined && current.dim !== undefined && recorded.dim !== current.dim) return false;
  let recordedPrint = recorded.fingerprint;
  if (!recordedPrint && recorded.model && path.isAbsolute(recorded.model)) recordedPrint = readModelConfig(recorded.model)?.fingerprint;
  if (recordedPrint && current.fingerprint) return recordedPrint === current.fingerprint;
  return recorded.model === current.id || (current.ref !== undefined && recorded.model === current.ref);
}

/** "clip-tiny (32-d, config 0123abcd…)" for messages. */
export function describeModel(m: { model?: string; id?: string; dim?: number; fingerprint?: string }): string {
  const name = m.id ?? m.model ?? 'unknown model';
  const details = [m.dim !== undefined ? `${m.dim}-d` : '', m.fingerprint ? `config ${m.fingerprint.slice(0, 8)}` : ''].filter(Boolean).join(', ');
  return details ? `${name} (${details})` : name;
}
