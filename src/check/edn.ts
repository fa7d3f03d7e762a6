/**
 * A small reader for the EDN that Jepsen histories use: nil, booleans, numbers, strings,
 * characters, keywords, symbols, lists, vectors, sets, maps, tagged literals and comments.
 *
 * Keywords and symbols become strings (keywords keep their leading `:`, so `:ok` and `"ok"` stay
 * distinct); lists, vectors and sets become arrays; maps become objects whose keys are the keys'
 * printed text (a keyword key `:f` becomes `":f"`); a tagged literal `#inst "…"` becomes its value.
 */
export type Edn =
  | null
  | boolean
  | number
  | string
  | readonly Edn[]
  | { readonly [key: string]: Edn };

/** Malformed EDN: `column` is 1-based in the text given to {@link readEdn}. */
export class EdnError extends Error {
  override readonly name = 'EdnError';
  constructor(
    readonly column: number,
    what: string,
  ) {
    super(`column ${column}: ${what}`);
  }
}

const DELIMITERS = new Set(['(', ')', '[', ']', '{', '}', '"', ';']);

/** Reads exactly one EDN value from `text` (surrounding whitespace and commas allowed). */
export function readEdn(text: string): Edn {
  const r = new Reader(text);
  const value = r.value();
  r.skip();
  if (r.pos < text.length)
    r.fail(`expected the end after one value, found ${JSON.stringify(text[r.pos])}`);
  return value;
}

class Reader {
  pos = 0;
  constructor(readonly text: string) {}

  fail(what: string): never {
    throw new EdnError(this.pos + 1, what);
  }

  skip(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t[this.pos] as string;
      if (c === ';') {
        while (this.pos < t.length && t[this.pos] !== '\n') this.pos++;
      } else if (c === ',' || /\s/.test(c)) this.pos++;
      else break;
    }
  }

  value(): Edn {
    this.skip();
    const t = this.text;
    const c = t[this.pos];
    if (c === undefined) return this.fail('expected a value, found the end');
    if (c === '(') return this.seq(')');
    if (c === '[') return this.seq(']');
    if (c === '{') return this.map();
    if (c === '"') return this.string();
    if (c === '\\') return this.char();
    if (c === '#') {
      const n = t[this.pos + 1];
      if (n === '{') {
        this.pos++;
        return this.seq('}');
      }
      if (n === '_') {
        this.pos += 2;
        this.value(); // #_ discards the next value
        return this.value();
      }
      this.pos++;
      this.token(); // the tag, e.g. inst or uuid: the tagged value stands for itself
      return this.value();
    }
    if (c === ')' || c === ']' || c === '}') return this.fail(`unexpected ${c}`);
    return this.atom(this.token());
  }

  token(): string {
    const t = this.text;
    const start = this.pos;
    while (this.pos < t.length) {
      const c = t[this.pos] as string;
      if (DELIMITERS.has(c) || c === ',' || /\s/.test(c)) break;
      this.pos++;
    }
    if (this.pos === start) this.fail('expected a token');
    return t.slice(start, this.pos);
  }

  atom(tok: string): Edn {
    if (tok === 'nil') return null;
    if (tok === 'true') return true;
    if (tok === 'false') return false;
    if (/^[+-]?\d/.test(tok)) {
      const n = Number(tok.replace(/[NM]$/, ''));
      if (Number.isNaN(n)) {
        this.pos -= tok.length;
        this.fail(`malformed number ${tok}`);
      }
      return n;
    }
    return tok; // keywords (with their colon) and symbols
  }

  seq(close: string): Edn[] {
    this.pos++;
    const items: Edn[] = [];
    for (;;) {
      this.skip();
      if (this.pos >= this.text.length) this.fail(`expected ${close}, found the end`);
      if (this.text[this.pos] === close) {
        this.pos++;
        return items;
      }
      items.push(this.value());
    }
  }

  map(): { [key: string]: Edn } {
    const items = this.seq('}');
    if (items.length % 2 !== 0) this.fail('a map needs an even number of forms');
    const out: { [key: string]: Edn } = {};
    for (let i = 0; i < items.length; i += 2) {
      const k = items[i] as Edn;
      out[typeof k === 'string' ? k : JSON.stringify(k)] = items[i + 1] as Edn;
    }
    return out;
  }

  string(): string {
    const t = this.text;
    this.pos++;
    let out = '';
    for (;;) {
      const c = t[this.pos];
      if (c === undefined) return this.fail('unterminated string');
      this.pos++;
      if (c === '"') return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = t[this.pos++];
      const escapes: { [k: string]: string } = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };
      if (e === 'u') {
        const hex = t.slice(this.pos, this.pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('malformed \\u escape');
        out += String.fromCharCode(Number.parseInt(hex, 16));
        this.pos += 4;
      } else if (e !== undefined && escapes[e] !== undefined) out += escapes[e];
      else this.fail(`unknown escape \\${e ?? ''}`);
    }
  }

  char(): string {
    this.pos++;
    const tok = this.token();
    const named: { [k: string]: string } = { newline: '\n', space: ' ', tab: '\t', return: '\r' };
    return named[tok] ?? tok;
  }
}
