/**
 * A throw-away HTTP server on a free loopback port for tests that ingest from URLs: the test
 * gives the request handler; `requested` lists every path asked for, in order.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestHttpServer {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  requested: string[];
  close(): Promise<void>;
}

export async function startTestHttpServer(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<TestHttpServer> {
  const requested: string[] = [];
  const server = http.createServer((req, res) => {
    requested.push(req.url ?? '');
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requested,
    async close() {
      // Stalled responses (a test's slow image) would keep close() waiting forever.
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
