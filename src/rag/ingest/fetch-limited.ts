/**
 * Download over http(s) with the limits untrusted URLs need: scheme allow-list, a time
 * limit for the whole transfer, a byte cap enforced while streaming (Content-Length can
 * lie or be missing), and a content-type check.
 */
export interface FetchLimits {
  maxBytes: number;
  timeoutMs: number;
  /** Accept the response's content type (lower-cased, without parameters). */
  acceptType: (contentType: string) => boolean;
  /** Human wording of what was expected, for the error. */
  expected: string;
}

export class FetchRefused extends Error {
  override readonly name = 'FetchRefused';
}

export interface Fetched {
  bytes: Uint8Array;
  /** Media type, lower-cased, without parameters ('' when the server sent none). */
  contentType: string;
  /** The whole Content-Type header (for its charset parameter). */
  contentTypeHeader: string;
}

export async function fetchLimited(url: string, limits: FetchLimits): Promise<Fetched> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new FetchRefused(`not a valid URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new FetchRefused(`only http and https URLs are fetched (got ${parsed.protocol})`);
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let response: Response;
  try {
    response = await fetch(parsed, { signal, redirect: 'follow' });
  } catch (err) {
    const timedOut = signal.aborted;
    throw new FetchRefused(timedOut ? `timed out after ${limits.timeoutMs} ms` : `could not connect (${(err as Error).message})`);
  }
  const fail = async (reason: string): Promise<never> => {
    await response.body?.cancel().catch(() => undefined);
    throw new FetchRefused(reason);
  };
  if (!response.ok) return fail(`HTTP ${response.status}`);
  const contentTypeHeader = response.headers.get('content-type') ?? '';
  const contentType = contentTypeHeader.split(';')[0]!.trim().toLowerCase();
  if (!limits.acceptType(contentType)) return fail(`expected ${limits.expected}, got content type "${contentType || 'none'}"`);
  const declared = Number(response.headers.get('content-length') ?? 'NaN');
  if (declared > limits.maxBytes) return fail(`too large (${declared} bytes, limit ${limits.maxBytes})`);
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const part of response.body ?? []) {
      size += part.length;
      if (size > limits.maxBytes) return fail(`too large (over ${limits.maxBytes} bytes)`);
      parts.push(part);
    }
  } catch (err) {
    if (err instanceof FetchRefused) throw err;
    throw new FetchRefused(signal.aborted ? `timed out after ${limits.timeoutMs} ms` : `download failed (${(err as Error).message})`);
  }
  return { bytes: Buffer.concat(parts), contentType, contentTypeHeader };
}
