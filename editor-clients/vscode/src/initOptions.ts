/**
 * The server's `initializationOptions` from the `arama.*` settings, by a pure function (no `vscode`
 * import, so it is unit-tested under plain Node). A value the server would reject (settings.json
 * is not validated) is left out: the server then uses its default.
 */

export const EMBEDDING_BACKENDS = ['onnx', 'onnx-int8', 'torch'] as const;
export const MAX_SEARCH_BUDGET_MS = 600_000;
/** A team-shared cache's address (the password belongs in an environment variable). */
export const REMOTE_URL = /^(redis|rediss|unix):\/\//;

/** Reads one `arama.*` setting (e.g. `cacheDir`): `vscode.workspace.getConfiguration('arama').get`. */
export type SettingReader = (key: string) => unknown;

function positiveInteger(value: unknown, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  const whole = Math.floor(value);
  return whole >= 1 && whole <= max ? whole : undefined;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

export function initializationOptions(get: SettingReader, home: string): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  const model = text(get('model'));
  if (model) options.model = model;
  const cacheDir = text(get('cacheDir'));
  if (cacheDir) options.cacheDir = cacheDir.replace(/^~(?=$|[\\/])/, home);
  const exclude = get('exclude');
  if (Array.isArray(exclude) && exclude.length) options.exclude = exclude.filter((e) => typeof e === 'string');
  const maxFileSize = positiveInteger(get('maxFileSize'));
  if (maxFileSize !== undefined) options.maxFileSize = maxFileSize;
  const threads = positiveInteger(get('threads'));
  if (threads !== undefined) options.threads = threads;
  const backend = get('embeddingBackend');
  if ((EMBEDDING_BACKENDS as readonly unknown[]).includes(backend)) options.embeddingBackend = backend;
  const budget = positiveInteger(get('searchBudgetMs'), MAX_SEARCH_BUDGET_MS);
  if (budget !== undefined) options.searchBudgetMs = budget;
  const remote = get('remoteCache');
  if (remote && typeof remote === 'object' && !Array.isArray(remote)) {
    // The server checks every field (and says which one it refused); only a URL is required.
    const fields = remote as Record<string, unknown>;
    if (REMOTE_URL.test(text(fields.url))) options.remoteCache = { ...fields, url: text(fields.url) };
  }
  return options;
}

/** What a setting should have held, for the message naming a refused value. */
export type Expected =
  | { kind: 'integer'; low: number; high?: number }
  | { kind: 'oneOf'; values: readonly string[] }
  | { kind: 'url' }
  | { kind: 'fraction' }
  | { kind: 'envName' }
  | { kind: 'object' }
  | { kind: 'known'; values: readonly string[] };

/** A value in settings.json the server would refuse: left out, and said so. */
export interface SettingProblem {
  /** e.g. `arama.remoteCache.mode`. */
  setting: string;
  expected: Expected;
  /** The value as written, shortened. */
  got: string;
}

export const REMOTE_CACHE_FIELDS = ['url', 'mode', 'timeoutMs', 'verifyFraction', 'ttlSeconds', 'passwordEnv'] as const;
export const REMOTE_MODES = ['read', 'read-write'] as const;
const MAX_TTL_S = 10 * 365 * 24 * 3600;

function shown(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** A whole number in the range (the remote cache's fields are sent as written). */
function isWhole(value: unknown, low: number, high: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= low && value <= high;
}

/** What initializationOptions sends for a number setting (it rounds down) lies in the range. */
function isInteger(value: unknown, low: number, high = Number.MAX_SAFE_INTEGER): boolean {
  return typeof value === 'number' && Number.isFinite(value) && Math.floor(value) >= low && Math.floor(value) <= high;
}

/**
 * The server options in the settings that the server would refuse (the bounds of
 * server/arama/lsp/options.py and remote_options.py), for one clear message: settings.json is not
 * validated by VS Code, so a typo there would otherwise pass in silence.
 */
export function settingProblems(get: SettingReader): SettingProblem[] {
  const problems: SettingProblem[] = [];
  const refuse = (setting: string, value: unknown, expected: Expected): void => {
    problems.push({ setting: `arama.${setting}`, expected, got: shown(value) });
  };
  const maxFileSize = get('maxFileSize');
  if (maxFileSize !== undefined && maxFileSize !== null && !isInteger(maxFileSize, 1)) {
    refuse('maxFileSize', maxFileSize, { kind: 'integer', low: 1 });
  }
  const threads = get('threads');
  if (threads !== undefined && threads !== null && !isInteger(threads, 1)) refuse('threads', threads, { kind: 'integer', low: 1 });
  const backend = get('embeddingBackend');
  if (backend !== undefined && backend !== null && backend !== '' && !(EMBEDDING_BACKENDS as readonly unknown[]).includes(backend)) {
    refuse('embeddingBackend', backend, { kind: 'oneOf', values: EMBEDDING_BACKENDS });
  }
  const budget = get('searchBudgetMs');
  if (budget !== undefined && budget !== null && !isInteger(budget, 1, MAX_SEARCH_BUDGET_MS)) {
    refuse('searchBudgetMs', budget, { kind: 'integer', low: 1, high: MAX_SEARCH_BUDGET_MS });
  }
  const remote = get('remoteCache');
  if (remote === undefined || remote === null) return problems;
  if (typeof remote !== 'object' || Array.isArray(remote)) {
    refuse('remoteCache', remote, { kind: 'object' });
    return problems;
  }
  const fields = remote as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!(REMOTE_CACHE_FIELDS as readonly string[]).includes(key)) refuse(`remoteCache.${key}`, fields[key], { kind: 'known', values: REMOTE_CACHE_FIELDS });
  }
  if (!REMOTE_URL.test(text(fields.url))) refuse('remoteCache.url', fields.url, { kind: 'url' });
  const optional: Array<[string, (v: unknown) => boolean, Expected]> = [
    ['mode', (v) => (REMOTE_MODES as readonly unknown[]).includes(v), { kind: 'oneOf', values: REMOTE_MODES }],
    ['timeoutMs', (v) => isWhole(v, 1, 60_000), { kind: 'integer', low: 1, high: 60_000 }],
    ['verifyFraction', (v) => typeof v === 'number' && v >= 0 && v <= 1, { kind: 'fraction' }],
    ['ttlSeconds', (v) => isWhole(v, 0, MAX_TTL_S), { kind: 'integer', low: 0, high: MAX_TTL_S }],
    ['passwordEnv', (v) => typeof v === 'string' && v.length <= 200 && /^\w+$/.test(v), { kind: 'envName' }],
  ];
  for (const [key, valid, expected] of optional) {
    if (fields[key] !== undefined && !valid(fields[key])) refuse(`remoteCache.${key}`, fields[key], expected);
  }
  return problems;
}

/** The part of `vscode.l10n` used here (the caller passes `vscode.l10n`). */
export interface ProblemLocalizer {
  t(message: string, ...args: Array<string | number | boolean>): string;
}

function expectedText(expected: Expected, l10n: ProblemLocalizer): string {
  switch (expected.kind) {
    case 'integer':
      return expected.high === undefined
        ? l10n.t('an integer of at least {0}', expected.low)
        : l10n.t('an integer from {0} to {1}', expected.low, expected.high);
    case 'oneOf':
      return l10n.t('one of {0}', expected.values.join(', '));
    case 'url':
      return l10n.t('a redis://, rediss:// or unix:// URL');
    case 'fraction':
      return l10n.t('a number from 0 to 1');
    case 'envName':
      return l10n.t('an environment variable name (letters, digits, _)');
    case 'object':
      return l10n.t('an object such as {0}', '{"url": "rediss://host:6379/0"}');
    case 'known':
      return l10n.t('one of the fields {0}', expected.values.join(', '));
  }
}

/** One sentence per refused value: which setting, what it should be, what it is. */
export function problemText(problem: SettingProblem, l10n: ProblemLocalizer): string {
  return l10n.t(
    'Arama: the setting "{0}" should be {1}, not {2}; the server uses its default.',
    problem.setting,
    expectedText(problem.expected, l10n),
    problem.got,
  );
}
