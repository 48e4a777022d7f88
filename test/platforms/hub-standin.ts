/**
 * A local stand-in of the model hub's file routes, for tests that drive the real
 * transformers.js loader (pointed at it through `env.remoteHost`, i.e. HF_ENDPOINT).
 *
 * Route: GET|HEAD `<prefix>/<owner>/<name>/resolve/<revision>/<file path>`, served from a
 * local directory per repository. Like the real hub: 200 with content-length and an etag,
 * `Range: bytes=a-b` → 206 with content-range (transformers.js asks `bytes=0-0` for a
 * file's size), a missing file → 404 with `x-error-code: EntryNotFound`, an unknown
 * repository → 401 with `x-error-code: RepositoryNotFound`. Files are streamed in
 * `chunkBytes` pieces with a pause between them, so a download reports progress several
 * times. Every request is recorded.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface HubRequest {
  method: string;
  /** The repository id and file asked for (undefined when the path is no resolve route). */
  repo?: string;
  file?: string;
  range?: string;
  status: number;
}

export interface HubStandInOptions {
  /** Repository id ("owner/name") → directory served as that repository. */
  repos: Record<string, string>;
  /** Path the routes live under, e.g. "/mirror" (a mirror that is not at the host root). */
  prefix?: string;
  /** Bytes per write when streaming a file body (default 16 KiB). */
  chunkBytes?: number;
}

export interface HubStandIn {
  /** The base URL to use as HF_ENDPOINT (prefix included). */
  url: string;
  requests: HubRequest[];
  /** Files sent in full (status 200), as "owner/name/file". */
  downloaded(): string[];
  close(): Promise<void>;
}

const ROUTE = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/;

export async function startHubStandIn(options: HubStandInOptions): Promise<HubStandIn> {
  const prefix = (options.prefix ?? '').replace(/\/+$/, '');
  const chunk = options.chunkBytes ?? 16 * 1024;
  const requests: HubRequest[] = [];

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const pathname = decodeURIComponent(url.pathname);
    const match = pathname.startsWith(prefix + '/') ? ROUTE.exec(pathname.slice(prefix.length)) : null;
    const record: HubRequest = { method: req.method ?? 'GET', status: 0, ...(req.headers.range ? { range: req.headers.range } : {}) };
    requests.push(record);
    const reply = (status: number, headers: Record<string, string>, body?: string) => {
      record.status = status;
      res.writeHead(status, headers);
      res.end(body);
    };
    if (!match || (req.method !== 'GET' && req.method !== 'HEAD')) return reply(404, { 'content-type': 'text/plain' }, 'Not Found');
    const [, repo, , file] = match as unknown as [string, string, string, string];
    record.repo = repo;
    record.file = file;
    const root = options.repos[repo];
    if (!root) return reply(401, { 'x-error-code': 'RepositoryNotFound', 'content-type': 'text/plain' }, 'Repository not found');
    const full = path.resolve(root, file);
    if (!full.startsWith(path.resolve(root) + path.sep) || !existsSync(full) || !statSync(full).isFile()) {
      return reply(404, { 'x-error-code': 'EntryNotFound', 'content-type': 'text/plain' }, 'Entry not found');
    }
    const bytes = readFileSync(full);
    const etag = `"${createHash('sha256').update(bytes).digest('hex')}"`;
    const base = { etag, 'accept-ranges': 'bytes', 'content-type': 'application/octet-stream' };
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      const start = Number(range[1]);
      const end = Math.min(range[2] ? Number(range[2]) : bytes.length - 1, bytes.length - 1);
      record.status = 206;
      res.writeHead(206, { ...base, 'content-length': String(end - start + 1), 'content-range': `bytes ${start}-${end}/${bytes.length}` });
      return res.end(req.method === 'HEAD' ? undefined : bytes.subarray(start, end + 1));
    }
    record.status = 200;
    res.writeHead(200, { ...base, 'content-length': String(bytes.length) });
    if (req.method === 'HEAD') return res.end();
    let at = 0;
    const next = () => {
      if (res.destroyed) return;
      if (at >= bytes.length) return void res.end();
      const piece = bytes.subarray(at, at + chunk);
      at += piece.length;
      res.write(piece, () => setTimeout(next, 2));
    };
    next();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    requests,
    downloaded: () => requests.filter((r) => r.status === 200 && r.method === 'GET').map((r) => `${r.repo}/${r.file}`),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
