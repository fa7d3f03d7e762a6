import { createServer, type Server } from 'node:net';

/**
 * Ports are drawn from below Linux's default ephemeral range (32768–60999): the OS hands out
 * ports from that range to every `listen(0)` and outgoing connection, so a port chosen there and
 * released could be given to some other socket (a proxy listening on port 0, a client) before the
 * caller binds it. Below it, only another caller drawing at random could collide.
 */
const DRAW_LOW = 20_000;
const DRAW_HIGH = 32_000;
const DRAWS_MAX = 200;

/**
 * Finds `count` distinct free TCP ports on `host`: each is bound (so it is free now) and all are
 * held until every one is chosen, then released for the caller. Ports are drawn at random below
 * the OS's ephemeral range; if that fails repeatedly, the OS picks (port 0). Another program could
 * still take a port before the caller binds it, which is why this is for local clusters and tests
 * only.
 */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const held: Server[] = [];
  const ports: number[] = [];
  try {
    for (let draws = 0; ports.length < count && draws < DRAWS_MAX; draws++) {
      const port = DRAW_LOW + Math.floor(Math.random() * (DRAW_HIGH - DRAW_LOW));
      if (ports.includes(port)) continue;
      const server = await listenOn(port, host);
      if (server === undefined) continue;
      held.push(server);
      ports.push(port);
    }
    while (ports.length < count) {
      const server = await listenOn(0, host);
      if (server === undefined) throw new Error(`no free TCP port on ${host}`);
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('no port assigned');
      held.push(server);
      ports.push(address.port);
    }
    return ports;
  } finally {
    await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
  }
}

/** A server listening on `port`, or undefined when the port cannot be bound. */
function listenOn(port: number, host: string): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, host, () => resolve(server));
  });
}
