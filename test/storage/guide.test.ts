// The store built in docs/guide/storage.md §8, end to end: records, a unique index and a
// transaction over LMDB; two concurrent signups for one e-mail: one commits, the other conflicts,
// and its retry sees the winner and refuses.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LMDB_KEY_BYTES_MAX, LmdbKV } from '../../src/storage/backends/lmdb-kv.js';
import { fromUtf8, utf8 } from '../../src/storage/bytes.js';
import { type IndexDefinition, IndexedKV } from '../../src/storage/layers/indexed-kv.js';
import { PrefixKV } from '../../src/storage/layers/prefix-kv.js';
import type { OrderedKV } from '../../src/storage/ordered-kv.js';
import { ConflictError, TransactionalKV } from '../../src/storage/transactions.js';

interface User {
  email: string;
  city: string;
}
const decode = (v: Uint8Array) => JSON.parse(fromUtf8(v)) as User;
const indexes: IndexDefinition[] = [
  { name: 'email', unique: true, extract: (_k, v) => [decode(v).email] },
  { name: 'city', extract: (_k, v) => [decode(v).city] },
];
const usersOf = (kv: OrderedKV) =>
  new IndexedKV(
    new PrefixKV(kv, utf8('users/'), { innerKeyBytesMax: LMDB_KEY_BYTES_MAX }),
    indexes,
    {
      innerKeyBytesMax: LMDB_KEY_BYTES_MAX - 6,
    },
  );

test('guide: concurrent signups for one e-mail: one wins, the retry refuses', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cadre-guide-'));
  const disk = LmdbKV.open(dir);
  try {
    const db = new TransactionalKV(disk);
    const signup = (tx: OrderedKV, id: string, user: User) => {
      const users = usersOf(tx);
      if (users.lookup('email', user.email).length > 0) throw new Error(`${user.email} is taken`);
      users.put(utf8(id), utf8(JSON.stringify(user)));
    };
    const a = db.begin();
    const b = db.begin();
    signup(a, 'u1', { email: 'ann@x.org', city: 'Oslo' });
    signup(b, 'u2', { email: 'ann@x.org', city: 'Rome' });
    a.commit();
    assert.throws(() => b.commit(), ConflictError);
    assert.throws(
      () => db.transact((tx) => signup(tx, 'u2', { email: 'ann@x.org', city: 'Rome' })),
      /ann@x.org is taken/,
    );
    const users = usersOf(disk);
    assert.deepEqual(
      users.lookup('email', 'ann@x.org').map((k) => fromUtf8(k)),
      ['u1'],
    );
    assert.deepEqual(users.check(), []);
    assert.deepEqual(
      users.range().map((e) => fromUtf8(e.key)),
      ['u1'],
    );
  } finally {
    disk.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
