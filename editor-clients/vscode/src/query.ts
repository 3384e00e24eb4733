/**
 * The search box's small query language, parsed by a pure function (no `vscode` import, so it is
 * unit-tested under plain Node).
 *
 *   /s QUERY            semantic mode     (also /semantic)
 *   /l QUERY            lexical mode      (also /lexical)
 *   /h QUERY            hybrid mode       (also /hybrid)
 *   /x QUERY            whole definitions (also /expand; combines with a mode: /s /x QUERY)
 *   lang:python         only this language (comma-separated list; aliases like py, ts, rs)
 *   path:src/**         only paths matching this glob (repeatable)
 *   -path:test/**       leave these paths out (also exclude:GLOB, repeatable)
 *   kind:function       only definitions of these LSP symbol kinds (comma-separated, repeatable;
 *                       names in any case, or numbers: kind:class,12)
 *   content:tests       only code, tests or docs (comma-separated, repeatable; test, doc too)
 *   path:"my dir/**"    values may be quoted
 *   \lang:x             a backslash keeps a word literal: searches for "lang:x"
 *
 * Everything else is the query text, with runs of white space collapsed.
 */

export type SearchMode = 'hybrid' | 'semantic' | 'lexical';

export const SEARCH_MODES: readonly SearchMode[] = ['hybrid', 'semantic', 'lexical'];

export interface ParsedQuery {
  /** The words left for the server, trimmed; may be empty. */
  query: string;
  mode: SearchMode;
  /** True when the mode came from a `/s`-style prefix rather than the default. */
  modeFromPrefix: boolean;
  languages: string[];
  paths: string[];
  exclude: string[];
  /** LSP SymbolKind names (lower case) or numbers. */
  kinds: (string | number)[];
  /** `code`, `tests`, `docs` (anything else is sent as typed: the server names the mistake). */
  content: string[];
  /** Widen each hit to its whole definition (`/x`). */
  expand: boolean;
}

const MODE_PREFIXES: Record<string, SearchMode> = {
  '/s': 'semantic',
  '/semantic': 'semantic',
  '/l': 'lexical',
  '/lexical': 'lexical',
  '/h': 'hybrid',
  '/hybrid': 'hybrid',
};

/** Short names people type, mapped to the LSP language ids the server knows. */
export const LANGUAGE_ALIASES: Readonly<Record<string, string>> = {
  py: 'python',
  python3: 'python',
  js: 'javascript',
  jsx: 'javascriptreact',
  ts: 'typescript',
  tsx: 'typescriptreact',
  rs: 'rust',
  golang: 'go',
  rb: 'ruby',
  cs: 'csharp',
  'c#': 'csharp',
  'c++': 'cpp',
  cc: 'cpp',
  cxx: 'cpp',
  kt: 'kotlin',
  sh: 'shellscript',
  bash: 'shellscript',
  shell: 'shellscript',
  zsh: 'shellscript',
  md: 'markdown',
  yml: 'yaml',
  txt: 'plaintext',
  text: 'plaintext',
};

const EXPAND_PREFIXES = new Set(['/x', '/expand']);

/** `table[key]` for the table's own keys only ("constructor" is a word, not Object's). */
function lookup<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}

/** The mode a prefix word names. */
function modePrefix(word: string): SearchMode | undefined {
  return lookup(MODE_PREFIXES, word.toLowerCase());
}

/** What a file is for, as the server's `content` filter names it; singular forms people type. */
export const CONTENT_ALIASES: Readonly<Record<string, string>> = {
  test: 'tests',
  doc: 'docs',
};

const LANGUAGE_KEYS = new Set(['lang', 'language']);
const PATH_KEYS = new Set(['path', 'in']);
const EXCLUDE_KEYS = new Set(['-path', '!path', 'exclude', '-in']);
const KIND_KEYS = new Set(['kind']);
const CONTENT_KEYS = new Set(['content']);
const FILTER_KEYS = new Set([...LANGUAGE_KEYS, ...PATH_KEYS, ...EXCLUDE_KEYS, ...KIND_KEYS, ...CONTENT_KEYS]);

export function normalizeLanguage(name: string): string {
  const lower = name.trim().toLowerCase();
  return lookup(LANGUAGE_ALIASES, lower) ?? lower;
}

/** A symbol kind as the server takes it: a number for digits, else the name in lower case. */
export function normalizeKind(name: string): string | number {
  const lower = name.trim().toLowerCase();
  return /^\d+$/.test(lower) ? Number(lower) : lower;
}

export function normalizeContent(name: string): string {
  const lower = name.trim().toLowerCase();
  return lookup(CONTENT_ALIASES, lower) ?? lower;
}

/** Adds each comma-separated part of `value`, normalized, to `list` unless empty or already there. */
function addParts<T>(list: T[], value: string, normalize: (part: string) => T): void {
  for (const part of value.split(',')) {
    const item = normalize(part);
    if (item !== '' && !list.includes(item)) list.push(item);
  }
}

interface Token {
  text: string;
  /** For `key:value` tokens: the key (lower case) and the unquoted value. */
  key?: string;
  value?: string;
  /** Written with a leading backslash: never a prefix or a filter. */
  literal?: boolean;
}

/** Splits on white space; a `key:"..."` value may contain spaces (a missing closing quote runs to the end). */
function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = input.length;
  while (i < n) {
    while (i < n && /\s/.test(input[i])) i++;
    if (i >= n) break;
    const start = i;
    if (input[i] === '\\') {
      // Literal word: drop the backslash, never a filter.
      i++;
      while (i < n && !/\s/.test(input[i])) i++;
      tokens.push({ text: input.slice(start + 1, i), literal: true });
      continue;
    }
    const match = /^(-?!?[A-Za-z]+):/.exec(input.slice(i, i + 20));
    const key = match?.[1].toLowerCase();
    if (match && key && FILTER_KEYS.has(key)) {
      i += match[0].length;
      let value: string;
      if (input[i] === '"') {
        const close = input.indexOf('"', i + 1);
        const end = close === -1 ? n : close;
        value = input.slice(i + 1, end);
        i = close === -1 ? n : close + 1;
        while (i < n && !/\s/.test(input[i])) i++; // tolerate junk glued to the closing quote
      } else {
        const valueStart = i;
        while (i < n && !/\s/.test(input[i])) i++;
        value = input.slice(valueStart, i);
      }
      tokens.push({ text: input.slice(start, i), key, value });
      continue;
    }
    while (i < n && !/\s/.test(input[i])) i++;
    tokens.push({ text: input.slice(start, i) });
  }
  return tokens;
}

export function parseQuery(input: string, defaultMode: SearchMode = 'hybrid'): ParsedQuery {
  const result: ParsedQuery = {
    query: '',
    mode: defaultMode,
    modeFromPrefix: false,
    languages: [],
    paths: [],
    exclude: [],
    kinds: [],
    content: [],
    expand: false,
  };
  const words: string[] = [];
  const tokens = tokenize(input);
  let leading = true; // mode and expand prefixes only lead the query
  for (const token of tokens) {
    if (leading && token.key === undefined && !token.literal) {
      const mode = modePrefix(token.text);
      if (mode !== undefined) {
        result.mode = mode;
        result.modeFromPrefix = true;
        continue;
      }
      if (EXPAND_PREFIXES.has(token.text.toLowerCase())) {
        result.expand = true;
        continue;
      }
    }
    leading = false;
    if (token.key === undefined || token.value === undefined) {
      words.push(token.text);
      continue;
    }
    const value = token.value.trim();
    if (value === '') continue; // still being typed
    if (LANGUAGE_KEYS.has(token.key)) {
      addParts(result.languages, value, normalizeLanguage);
    } else if (KIND_KEYS.has(token.key)) {
      addParts(result.kinds, value, normalizeKind);
    } else if (CONTENT_KEYS.has(token.key)) {
      addParts(result.content, value, normalizeContent);
    } else if (PATH_KEYS.has(token.key)) {
      if (!result.paths.includes(value)) result.paths.push(value);
    } else if (!result.exclude.includes(value)) {
      result.exclude.push(value);
    }
  }
  result.query = words.join(' ');
  return result;
}

/** The `arguments[0]` object of an `arama.search` request for a parsed query. */
export function searchArguments(
  parsed: ParsedQuery,
  limit: number,
  offset = 0,
): Record<string, unknown> {
  const args: Record<string, unknown> = { query: parsed.query, limit, mode: parsed.mode };
  if (offset > 0) args.offset = offset;
  if (parsed.languages.length) args.languages = parsed.languages;
  if (parsed.paths.length) args.paths = parsed.paths;
  if (parsed.exclude.length) args.exclude = parsed.exclude;
  if (parsed.kinds.length) args.kinds = parsed.kinds;
  if (parsed.content.length) args.content = parsed.content;
  if (parsed.expand) args.expand = true;
  return args;
}

/**
 * Puts `mode` in front of `input` as a prefix, replacing the mode prefixes leading it (an expand
 * prefix there stays, after the mode).
 */
export function withModePrefix(input: string, mode: SearchMode, defaultMode: SearchMode): string {
  const kept: string[] = [];
  let rest = input;
  for (;;) {
    const match = /^\s*(\S+)(\s+|$)/.exec(rest);
    if (!match) break;
    const expand = EXPAND_PREFIXES.has(match[1].toLowerCase());
    if (!expand && modePrefix(match[1]) === undefined) break;
    if (expand) kept.push(match[1]);
    rest = rest.slice(match[0].length);
  }
  const prefix = mode === defaultMode ? kept : [`/${mode[0]}`, ...kept];
  return prefix.length ? `${prefix.join(' ')} ${rest}` : rest;
}

/** Short human-readable summary of the filters, e.g. `python · function · tests · src/** · -test/**`. */
export function describeFilters(parsed: ParsedQuery): string {
  return [
    ...parsed.languages,
    ...parsed.kinds.map(String),
    ...parsed.content,
    ...parsed.paths,
    ...parsed.exclude.map((glob) => `-${glob}`),
  ].join(' · ');
}
