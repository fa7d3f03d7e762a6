// A raw TCP test client: sends bytes exactly as given and collects parsed replies, so tests can
// send malformed input and check what comes back and whether the server closed the connection.
import { connect, type Socket } from 'node:net';
import { type ParsedReply, ReplyParser, RespError, SimpleString } from '../../src/resp/index.js';

export class RawClient {
  private readonly parser = new ReplyParser();
  private readonly replies: ParsedReply[] = [];
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.parser.push(chunk);
      for (let r = this.parser.next(); r !== undefined; r = this.parser.next())
        this.replies.push(r);
      this.wake();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  send(bytes: string | Buffer): void {
    this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }

  /** Waits for `count` replies (in total since the last take) and returns them as plain values. */
  async take(count: number, timeoutMs = 5000): Promise<unknown[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.replies.length < count) {
      if (this.closed)
        throw new Error(
          `connection closed after ${this.replies.length}/${count} replies: ${JSON.stringify(this.replies.map(plain))}`,
        );
      if (Date.now() > deadline)
        throw new Error(`timed out after ${this.replies.length}/${count} replies`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.replies.splice(0, count).map(plain);
  }

  /** Resolves once the server closed the connection. */
  async waitClosed(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('server did not close the connection');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** Replies as plain JSON-able values: bulk → string, simple → '+x', error → '-line'. */
export function plain(reply: ParsedReply): unknown {
  if (reply === null || typeof reply === 'number') return reply;
  if (typeof reply === 'bigint') return `${reply}n`;
  if (typeof reply === 'symbol') return '*-1';
  if (Buffer.isBuffer(reply)) return reply.toString('latin1');
  if (reply instanceof SimpleString) return `+${reply.value}`;
  if (reply instanceof RespError) return `-${reply.line}`;
  return reply.map(plain);
}
