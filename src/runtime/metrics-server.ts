import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { Address } from './transport.js';

/**
 * Serves `registry` in the Prometheus text format at `GET /metrics` on `listen` (port 0: the OS
 * picks). Any other path is a 404. Resolves with the server and where it listens.
 */
export async function serveMetrics(
  registry: Registry,
  listen: Address,
): Promise<{ server: Server; address: Address }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: Error) =>
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`${error.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address();
  if (bound === null || typeof bound === 'string') throw new Error('metrics server has no address');
  return { server, address: { host: listen.host, port: bound.port } };
}
