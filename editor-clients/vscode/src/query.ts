/**
 * The search box's small query language, parsed by a pure function (no `vscode` import, so it is
 * unit-tested under plain Node).
 *
 *   /s QUERY            semantic mode     (also /semantic)
 *   /l QUERY            lexical mode      (also /lexical)
 *   /h QUERY            hybrid mode       (also /hybrid)
 *   lang:python         only this language (comma-separated list; aliases like py, ts, rs)
 *   path:src/**         only paths matching this glob (repeatable)
 *   -path:test/**       leave these paths out (also exclude:GLOB, repeatable)
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

const LANGUAGE_KEYS = new Set(['lang', 'language']);
const PATH_KEYS = new Set(['path', 'in']);
const EXCLUDE_KEYS = new Set(['-path', '!path', 'exclude', '-in']);

export function normalizeLanguage(name: string): string {
  const lower = name.trim().toLowerCase();
  return LANGUAGE_ALIASES[lower] ?? lower;
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
    if (match && key && (LANGUAGE_KEYS.has(key) || PATH_KEYS.has(key) || EXCLUDE_KEYS.has(key))) {
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
  };
  const words: string[] = [];
  const tokens = tokenize(input);
  tokens.forEach((token, index) => {
    if (index === 0 && token.key === undefined && !token.literal) {
      const mode = MODE_PREFIXES[token.text.toLowerCase()];
      if (mode !== undefined) {
        result.mode = mode;
        result.modeFromPrefix = true;
        return;
      }
    }
    if (token.key === undefined || token.value === undefined) {
      words.push(token.text);
      return;
    }
    const value = token.value.trim();
    if (value === '') return; // still being typed
    if (LANGUAGE_KEYS.has(token.key)) {
      for (const part of value.split(',')) {
        const language = normalizeLanguage(part);
        if (language && !result.languages.includes(language)) result.languages.push(language);
      }
    } else if (PATH_KEYS.has(token.key)) {
      if (!result.paths.includes(value)) result.paths.push(value);
    } else if (!result.exclude.includes(value)) {
      result.exclude.push(value);
    }
  });
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
  return args;
}

/** Puts `mode` in front of `input` as a prefix, replacing a mode prefix already there. */
export function withModePrefix(input: string, mode: SearchMode, defaultMode: SearchMode): string {
  const rest = input.replace(/^\s*\/(s|semantic|l|lexical|h|hybrid)(\s+|$)/i, '');
  if (mode === defaultMode) return rest;
  return `/${mode[0]} ${rest}`;
}

/** Short human-readable summary of the filters, e.g. `python · src/** · -test/**`. */
export function describeFilters(parsed: ParsedQuery): string {
  return [...parsed.languages, ...parsed.paths, ...parsed.exclude.map((glob) => `-${glob}`)].join(
    ' · ',
  );
}
