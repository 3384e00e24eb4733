/**
 * What the Arama results view shows, built by pure functions (no `vscode` import, so they are
 * unit-tested under plain Node): the search form's fields turned into `arama.search` arguments,
 * results grouped by file, the `path:line` a result copies as, its hover text, and the snapshot
 * kept across a window reload.
 */

import { formatCount } from './format';
import type { Localizer } from './answerText';
import type { SearchResult } from './protocol';
import {
  normalizeContent,
  normalizeKind,
  normalizeLanguage,
  parseQuery,
  ParsedQuery,
  SearchMode,
  SEARCH_MODES,
} from './query';

/** The results view's search box and its controls, as the webview posts them. */
export interface SearchForm {
  /** The query; the search box's prefixes and `key:value` filters work here too. */
  query: string;
  mode: SearchMode;
  /** Comma-separated fields. */
  languages: string;
  paths: string;
  exclude: string;
  kinds: string;
  /** `''` (any), `code`, `tests` or `docs`. */
  content: string;
  expand: boolean;
}

export const EMPTY_FORM: SearchForm = {
  query: '',
  mode: 'hybrid',
  languages: '',
  paths: '',
  exclude: '',
  kinds: '',
  content: '',
  expand: false,
};

function text(value: unknown, max = 1000): string {
  return typeof value === 'string' ? value.slice(0, max) : '';
}

/** A form from whatever the webview (or the saved state) holds: unknown fields dropped, types fixed. */
export function sanitizeForm(value: unknown): SearchForm {
  const raw = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  const mode = SEARCH_MODES.includes(raw.mode as SearchMode) ? (raw.mode as SearchMode) : 'hybrid';
  return {
    query: text(raw.query),
    mode,
    languages: text(raw.languages),
    paths: text(raw.paths),
    exclude: text(raw.exclude),
    kinds: text(raw.kinds),
    content: text(raw.content, 20),
    expand: raw.expand === true,
  };
}

function addAll<T>(list: T[], field: string, normalize: (part: string) => T): void {
  for (const part of field.split(',')) {
    if (part.trim() === '') continue;
    const item = normalize(part);
    if (!list.includes(item)) list.push(item);
  }
}

/**
 * The query the form describes: the search box parsed like the quick pick's (a `/s` prefix there
 * wins over the mode control), then the controls' filters added to what was typed.
 */
export function formQuery(form: SearchForm): ParsedQuery {
  const parsed = parseQuery(form.query, form.mode);
  addAll(parsed.languages, form.languages, normalizeLanguage);
  addAll(parsed.paths, form.paths, (p) => p.trim());
  addAll(parsed.exclude, form.exclude, (p) => p.trim());
  addAll(parsed.kinds, form.kinds, normalizeKind);
  addAll(parsed.content, form.content, normalizeContent);
  if (form.expand) parsed.expand = true;
  return parsed;
}

/** The results of one file, in the order the server ranked the file's best hit. */
export interface FileGroup {
  uri: string;
  path: string;
  /** The file's hits, by line. */
  results: SearchResult[];
  /** The best score among them. */
  best: number;
}

/** Groups results by file: files by their best hit's rank, hits inside a file by line. */
export function groupByFile(results: readonly SearchResult[]): FileGroup[] {
  const groups = new Map<string, FileGroup>();
  for (const result of results) {
    let group = groups.get(result.uri);
    if (!group) {
      group = { uri: result.uri, path: result.path, results: [], best: result.score };
      groups.set(result.uri, group);
    }
    group.results.push(result);
    group.best = Math.max(group.best, result.score);
  }
  for (const group of groups.values()) {
    group.results.sort((a, b) => a.range.start.line - b.range.start.line || b.score - a.score);
  }
  return [...groups.values()];
}

/** `path:line` (1-based), what Copy Path:Line puts on the clipboard. */
export function pathLine(result: Pick<SearchResult, 'path' | 'range'>): string {
  return `${result.path}:${result.range.start.line + 1}`;
}

/** The score as the hover shows it: three decimals, in the display language's digits. */
export function formatScore(score: number, locale = 'en'): string {
  try {
    return new Intl.NumberFormat(locale, { minimumFractionDigits: 3, maximumFractionDigits: 3 }).format(score);
  } catch {
    return score.toFixed(3);
  }
}

/** The view's message under its title: counts, then why the answer may be incomplete. */
export function resultsMessage(
  answer: { results: number; files: number; total: number; indexing: boolean; partial: boolean; indexedPercent?: number },
  l10n: Localizer,
  locale = 'en',
): string {
  const parts: string[] = [];
  if (answer.results === 0) parts.push(l10n.t('No results'));
  else {
    parts.push(
      l10n.t('{0} results in {1} files', formatCount(answer.results, locale), formatCount(answer.files, locale)),
    );
    if (answer.total > answer.results) parts.push(l10n.t('{0} in all', formatCount(answer.total, locale)));
  }
  if (answer.indexing) {
    parts.push(
      answer.indexedPercent === undefined
        ? l10n.t('partial results, indexing')
        : l10n.t('partial results, {0}% indexed', formatCount(answer.indexedPercent, locale)),
    );
  }
  if (answer.partial) parts.push(l10n.t('Search time ran out — results may be incomplete'));
  return parts.join(' · ');
}

/** What the view keeps in the workspace state across a window reload. */
export interface ResultsSnapshot {
  version: 1;
  form: SearchForm;
  results: SearchResult[];
  total: number;
  message: string;
  /** Set for Find Related Code's answers: what the results are related to. */
  relatedTo?: string;
  /** And the result it was asked for (Refresh asks again). */
  relatedFrom?: SearchResult;
}

function isResult(value: unknown): value is SearchResult {
  const r = value as SearchResult;
  return (
    !!r &&
    typeof r.uri === 'string' &&
    typeof r.path === 'string' &&
    typeof r.score === 'number' &&
    typeof r.range?.start?.line === 'number' &&
    typeof r.range?.start?.character === 'number' &&
    typeof r.range?.end?.line === 'number' &&
    typeof r.range?.end?.character === 'number'
  );
}

/** A snapshot from the workspace state, or undefined when there is none or it is not one. */
export function readSnapshot(value: unknown): ResultsSnapshot | undefined {
  const raw = value as Partial<ResultsSnapshot> | undefined;
  if (!raw || raw.version !== 1 || !Array.isArray(raw.results)) return undefined;
  return {
    version: 1,
    form: sanitizeForm(raw.form),
    results: raw.results.filter(isResult).map((r) => ({ ...r, snippet: typeof r.snippet === 'string' ? r.snippet : '' })),
    total: typeof raw.total === 'number' ? raw.total : 0,
    message: typeof raw.message === 'string' ? raw.message : '',
    relatedTo: typeof raw.relatedTo === 'string' ? raw.relatedTo : undefined,
    relatedFrom: isResult(raw.relatedFrom) ? raw.relatedFrom : undefined,
  };
}
