/** Pure presentation helpers (no `vscode` import): unit-tested under plain Node. */

import type { SearchResult, StatusResponse } from './protocol';

/** Codicon ids for LSP SymbolKind 1..26. */
const SYMBOL_KIND_ICONS: readonly string[] = [
  'symbol-file', // 1 File
  'symbol-module', // 2 Module
  'symbol-namespace', // 3 Namespace
  'symbol-package', // 4 Package
  'symbol-class', // 5 Class
  'symbol-method', // 6 Method
  'symbol-property', // 7 Property
  'symbol-field', // 8 Field
  'symbol-constructor', // 9 Constructor
  'symbol-enum', // 10 Enum
  'symbol-interface', // 11 Interface
  'symbol-function', // 12 Function
  'symbol-variable', // 13 Variable
  'symbol-constant', // 14 Constant
  'symbol-string', // 15 String
  'symbol-number', // 16 Number
  'symbol-boolean', // 17 Boolean
  'symbol-array', // 18 Array
  'symbol-object', // 19 Object
  'symbol-key', // 20 Key
  'symbol-null', // 21 Null
  'symbol-enum-member', // 22 EnumMember
  'symbol-struct', // 23 Struct
  'symbol-event', // 24 Event
  'symbol-operator', // 25 Operator
  'symbol-type-parameter', // 26 TypeParameter
];

export function symbolKindIcon(kind: number | null | undefined): string {
  if (typeof kind === 'number' && kind >= 1 && kind <= SYMBOL_KIND_ICONS.length) {
    return SYMBOL_KIND_ICONS[kind - 1];
  }
  return 'file-code';
}

export function baseName(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, '');
  const slash = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  return slash === -1 ? trimmed : trimmed.slice(slash + 1);
}

/**
 * The most telling line of a snippet, trimmed and shortened to `max` characters: the first line
 * naming the symbol (its signature, past any doc comment above it), else the first line with a
 * letter or digit in it (not a bare comment opener), else the first non-blank line.
 */
export function firstSnippetLine(snippet: string, max = 120, symbol?: string | null): string {
  const lines = snippet.split(/\r?\n/);
  const name = symbol ? symbol.slice(symbol.lastIndexOf('.') + 1) : '';
  let naming: string | undefined;
  if (name) {
    const word = new RegExp(`(?<![\\p{L}\\p{N}_$])${escapeRegExp(name)}(?![\\p{L}\\p{N}_$])`, 'u');
    const named = lines.filter((l) => word.test(l));
    naming = named.find((l) => !COMMENT_LINE.test(l)) ?? named[0];
  }
  const line =
    naming ??
    lines.find((l) => /[\p{L}\p{N}]/u.test(l)) ??
    lines.find((l) => l.trim() !== '') ??
    '';
  return truncate(line.trim().replace(/\s+/g, ' '), max);
}

/** Lines that start as a comment or a docstring. */
const COMMENT_LINE = /^\s*(\/\/|\/\*|\*|#|--|;|"""|''')/;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1))}…`;
}

export interface ResultPresentation {
  /** `$(codicon) name`: the symbol, or the file name when the chunk has no symbol. */
  label: string;
  /** `path:line` (1-based line), then `+N similar` when near-identical definitions were folded in. */
  description: string;
  /** First line of the snippet. */
  detail: string;
  icon: string;
}

/** Codicon syntax `$(...)` inside user text would be rendered as an icon: escape it. */
export function escapeCodicons(text: string): string {
  return text.replace(/\$\(/g, '\\$(');
}

/** `+N similar` in English; the extension passes its translation. */
export function similarText(count: number): string {
  return `+${count} similar`;
}

/**
 * How a result shows in a quick pick. `similar` words the count of near-identical definitions
 * folded into the result (contract v2; absent from older servers' answers: nothing shown).
 */
export function presentResult(
  result: SearchResult,
  similar: (count: number) => string = similarText,
): ResultPresentation {
  const icon = result.symbol ? symbolKindIcon(result.symbolKind) : 'file-code';
  const name = result.symbol || baseName(result.path);
  const where = `${result.path}:${result.range.start.line + 1}`;
  const folded = typeof result.similar === 'number' && result.similar > 0 ? result.similar : 0;
  return {
    label: `$(${icon}) ${escapeCodicons(name)}`,
    description: folded ? `${where} · ${similar(folded)}` : where,
    detail: escapeCodicons(firstSnippetLine(result.snippet, 120, result.symbol)),
    icon,
  };
}

export function formatCount(value: number, locale = 'en'): string {
  try {
    return new Intl.NumberFormat(locale).format(value);
  } catch {
    return new Intl.NumberFormat('en').format(value);
  }
}

export function formatBytes(bytes: number, locale = 'en'): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  let formatted: string;
  try {
    formatted = new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value);
  } catch {
    formatted = value.toFixed(digits);
  }
  return `${formatted} ${units[unit]}`;
}

/**
 * How far indexing has come, 0..100, from an `arama.status` answer: the share of chunks that have
 * a vector; undefined while nothing is known yet.
 */
export function indexingPercentage(status: StatusResponse): number | undefined {
  if (status.state === 'ready') return 100;
  const pending = status.pendingChunks ?? Math.max(0, status.chunks - status.embeddedChunks);
  const total = status.embeddedChunks + pending;
  if (total <= 0) return undefined;
  return Math.max(0, Math.min(99, Math.floor((100 * status.embeddedChunks) / total)));
}
