import {
  KV_KEY_BYTES_MAX,
  KV_KEYS_PER_COMMAND_MAX,
  KV_VALUE_BYTES_MAX,
  LEASE_TTL_MS_MAX,
  LEASE_TTL_MS_MIN,
} from './commands.js';

/**
 * Shape checks for commands and queries. Commands arrive from the network, so the state machine
 * never trusts them: a malformed one is applied as a no-op that answers `bad-request` (the same on
 * every replica, since the check is pure). Each function returns the problem, or undefined.
 */

/** Whether `s` is a byte string (every character one byte, 0..255). */
export function isByteString(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return false;
  return true;
}

function keyProblem(key: unknown, field: string, allowEmpty = false): string | undefined {
  if (!isByteString(key)) return `${field} must be a byte string (characters 0..255)`;
  if (key.length === 0 && !allowEmpty) return `${field} must not be empty`;
  if (key.length > KV_KEY_BYTES_MAX) {
    return `${field} is ${key.length} bytes; the limit is ${KV_KEY_BYTES_MAX}`;
  }
  return undefined;
}

function valueProblem(value: unknown, field: string): string | undefined {
  if (!isByteString(value)) return `${field} must be a byte string (characters 0..255)`;
  if (value.length > KV_VALUE_BYTES_MAX) {
    return `${field} is ${value.length} bytes; the limit is ${KV_VALUE_BYTES_MAX}`;
  }
  return undefined;
}

function wholeProblem(n: unknown, field: string, min: number, max: number): string | undefined {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > max) {
    return `${field} must be a whole number in [${min}, ${max}], got ${JSON.stringify(n)}`;
  }
  return undefined;
}

function keysProblem(keys: unknown, field: string): string | undefined {
  if (!Array.isArray(keys) || keys.length === 0) return `${field} must be a non-empty array`;
  if (keys.length > KV_KEYS_PER_COMMAND_MAX) {
    return `${field} names ${keys.length} keys; the limit is ${KV_KEYS_PER_COMMAND_MAX}`;
  }
  for (let i = 0; i < keys.length; i++) {
    const p = keyProblem(keys[i], `${field}[${i}]`);
    if (p !== undefined) return p;
  }
  return undefined;
}

const TTL = (n: unknown, field: string) =>
  wholeProblem(n, field, LEASE_TTL_MS_MIN, LEASE_TTL_MS_MAX);
const ID = (n: unknown, field: string) => wholeProblem(n, field, 1, Number.MAX_SAFE_INTEGER);
const REVISION = (n: unknown, field: string) => wholeProblem(n, field, 0, Number.MAX_SAFE_INTEGER);

/** The problem with a command, or undefined when it is well formed. */
export function commandProblem(command: unknown): string | undefined {
  if (command === null || typeof command !== 'object') return 'a command must be an object';
  const c = command as Record<string, unknown> & { op?: unknown };
  switch (c.op) {
    case 'put':
      return (
        keyProblem(c.key, 'put key') ??
        valueProblem(c.value, 'put value') ??
        (c.ifAbsent === true && c.ifPresent === true
          ? 'put: ifAbsent (NX) and ifPresent (XX) exclude each other'
          : undefined) ??
        ([c.ttlMs, c.lease, c.keepTtl === true ? true : undefined].filter((x) => x !== undefined)
          .length > 1
          ? 'put: give at most one of ttlMs, lease, keepTtl'
          : undefined) ??
        (c.ttlMs === undefined ? undefined : TTL(c.ttlMs, 'put ttlMs')) ??
        (c.lease === undefined ? undefined : ID(c.lease, 'put lease'))
      );
    case 'delete':
      return keysProblem(c.keys, 'delete keys');
    case 'deleteRange':
      return (
        keyProblem(c.start, 'deleteRange start', true) ?? keyProblem(c.end, 'deleteRange end', true)
      );
    case 'cas': {
      const p = keyProblem(c.key, 'cas key');
      if (p !== undefined) return p;
      if (c.value !== null) {
        const v = valueProblem(c.value, 'cas value');
        if (v !== undefined) return v;
      }
      if (c.ttlMs !== undefined) {
        if (c.value === null) return 'cas: ttlMs makes no sense with a delete (value null)';
        const t = TTL(c.ttlMs, 'cas ttlMs');
        if (t !== undefined) return t;
      }
      return expectationProblem(c.expect);
    }
    case 'incr':
      return (
        keyProblem(c.key, 'incr key') ??
        wholeProblem(c.by, 'incr by', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)
      );
    case 'leaseGrant':
      return TTL(c.ttlMs, 'leaseGrant ttlMs');
    case 'leaseKeepAlive':
    case 'leaseRevoke':
      return ID(c.id, `${c.op} id`);
    case 'compact':
      return REVISION(c.revision, 'compact revision');
    case 'tick':
    case 'promote':
      return undefined;
    default:
      return `unknown command op ${JSON.stringify(c.op)}`;
  }
}

function expectationProblem(expect: unknown): string | undefined {
  if (expect === null || typeof expect !== 'object') {
    return 'cas expect must be {value}, {modRevision} or {version}';
  }
  const e = expect as Record<string, unknown>;
  const fields = Object.keys(e);
  if (fields.length !== 1) return 'cas expect must have exactly one of value, modRevision, version';
  if ('value' in e) return e.value === null ? undefined : valueProblem(e.value, 'cas expect value');
  if ('modRevision' in e) return REVISION(e.modRevision, 'cas expect modRevision');
  if ('version' in e) return REVISION(e.version, 'cas expect version');
  return `cas expect has unknown field ${JSON.stringify(fields[0])}`;
}

/** The problem with a query, or undefined when it is well formed. */
export function queryProblem(query: unknown): string | undefined {
  if (query === null || typeof query !== 'object') return 'a query must be an object';
  const q = query as Record<string, unknown> & { op?: unknown };
  switch (q.op) {
    case 'get':
      return keyProblem(q.key, 'get key');
    case 'range':
      return (
        keyProblem(q.start, 'range start', true) ??
        keyProblem(q.end, 'range end', true) ??
        (q.limit === undefined ? undefined : wholeProblem(q.limit, 'range limit', 1, 1_000_000))
      );
    case 'exists':
      return keysProblem(q.keys, 'exists keys');
    case 'changes':
      return (
        wholeProblem(q.fromRevision, 'changes fromRevision', 1, Number.MAX_SAFE_INTEGER) ??
        (q.start === undefined ? undefined : keyProblem(q.start, 'changes start', true)) ??
        (q.end === undefined ? undefined : keyProblem(q.end, 'changes end', true)) ??
        (q.limit === undefined ? undefined : wholeProblem(q.limit, 'changes limit', 1, 100_000))
      );
    case 'leaseInfo':
      return ID(q.id, 'leaseInfo id');
    case 'status':
      return undefined;
    default:
      return `unknown query op ${JSON.stringify(q.op)}`;
  }
}
