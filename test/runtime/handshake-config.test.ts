import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  ConfigError,
  parsePeers,
  readConfigFile,
  resolveNodeConfig,
} from '../../src/runtime/config.js';
import { handshakeMac, macMatches, newNonce } from '../../src/runtime/handshake.js';

describe('handshake MACs', () => {
  it('depend on the secret, the role, both ids and both nonces', () => {
    const a = newNonce();
    const b = newNonce();
    const mac = handshakeMac('s3cret', 'dialer', 'n1', 'n2', a, b);
    assert.ok(macMatches(mac, handshakeMac('s3cret', 'dialer', 'n1', 'n2', a, b)));
    assert.ok(!macMatches(mac, handshakeMac('other', 'dialer', 'n1', 'n2', a, b)));
    assert.ok(!macMatches(mac, handshakeMac('s3cret', 'acceptor', 'n1', 'n2', a, b)));
    assert.ok(!macMatches(mac, handshakeMac('s3cret', 'dialer', 'n3', 'n2', a, b)));
    assert.ok(!macMatches(mac, handshakeMac('s3cret', 'dialer', 'n1', 'n2', a, newNonce())));
    assert.ok(!macMatches(mac, 'not bytes'));
    assert.ok(!macMatches(mac, mac.subarray(1)));
  });
});

describe('node configuration', () => {
  it('parses --peers and names a bad entry', () => {
    assert.deepEqual(parsePeers('n1=127.0.0.1:7001, n2=[::1]:7002'), {
      n1: { host: '127.0.0.1', port: 7001 },
      n2: { host: '::1', port: 7002 },
    });
    assert.throws(() => parsePeers('n1=127.0.0.1'), /--peers n1: expected "host:port"/);
    assert.throws(() => parsePeers('n1'), /entry "n1" is not id=host:port/);
    assert.throws(() => parsePeers('n1=a:1,n1=b:2'), /node n1 is listed twice/);
    assert.throws(() => parsePeers('n 1=a:1'), ConfigError);
  });

  it('merges file and flags (flags win), defaults listen and dataDir, reads the secret from the environment', () => {
    const c = resolveNodeConfig(
      { id: 'n1', peers: { n1: 'h1:1', n2: 'h2:2' }, logLevel: 'warn' },
      { logLevel: 'debug', peers: undefined },
      { CADRE_SECRET: 'xyz' },
    );
    assert.deepEqual(c.listen, { host: 'h1', port: 1 });
    assert.equal(c.dataDir, 'cadre-data/n1');
    assert.equal(c.secret, 'xyz');
    assert.equal(c.logLevel, 'debug');
    assert.throws(
      () => resolveNodeConfig({}, { id: 'n3', peers: 'n1=h:1' }, {}),
      /this node n3 is not listed/,
    );
    assert.throws(() => resolveNodeConfig({}, { peers: 'n1=h:1' }, {}), /id: required/);
    assert.throws(
      () => resolveNodeConfig({}, { id: 'n1', peers: 'n1=h:1', logLevel: 'loud' }, {}),
      /logLevel: expected one of/,
    );
  });

  it('reads a JSON config file and names an unknown field or bad JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cadre-config-'));
    try {
      const good = join(dir, 'n1.json');
      writeFileSync(
        good,
        JSON.stringify({
          id: 'n1',
          peers: { n1: '127.0.0.1:7001' },
          secretFile: join(dir, 'secret'),
        }),
      );
      writeFileSync(join(dir, 'secret'), 'from-a-file\n');
      const c = resolveNodeConfig(readConfigFile(good), {}, {});
      assert.equal(c.secret, 'from-a-file');
      const typo = join(dir, 'typo.json');
      writeFileSync(typo, JSON.stringify({ id: 'n1', peer: {} }));
      assert.throws(() => readConfigFile(typo), /typo\.json: unknown field "peer"/);
      const broken = join(dir, 'broken.json');
      writeFileSync(broken, '{ "id": ');
      assert.throws(() => readConfigFile(broken), /broken\.json is not JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
