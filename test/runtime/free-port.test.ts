// freePorts: distinct ports, free when returned, drawn below the OS's ephemeral range so that a
// socket the OS gives port 0 to (a proxy, a client) cannot take one before the caller binds it.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { freePorts } from '../../src/runtime/free-port.js';

test('ports are distinct, below the ephemeral range, and bindable once returned', async () => {
  const ports = await freePorts(12);
  assert.equal(new Set(ports).size, 12);
  for (const p of ports) assert.ok(p >= 20_000 && p < 32_000, `port ${p}`);
  for (const p of ports) {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(p, '127.0.0.1', () => resolve());
    });
    await new Promise((r) => server.close(r));
  }
});
