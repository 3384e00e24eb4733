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
