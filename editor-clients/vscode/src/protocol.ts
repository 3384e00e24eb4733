/**
 * Shapes of arama's `workspace/executeCommand` answers: the command contract (docs/contract.md),
 * key for key what the server writes (`WIRE_KEYS` in server/arama/contract.py; checked by
 * tests/clients/test_contract_keys.py). Every key is always written unless marked optional.
 */

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** One hit of `arama.search`, also an item of `arama.context`'s `related`. */
export interface SearchResult {
  uri: string;
  path: string;
  range: Range;
  snippet: string;
  score: number;
  symbol: string | null;
  symbolKind: number | null;
  language: string;
  lastModified: string;
  size: number;
  /** Contract v2: near-identical definitions folded into this one (0 in v1 servers' absence). */
  similar: number;
}

/** `arama.search`. */
export interface SearchResponse {
  results: SearchResult[];
  total: number;
  tookMs: number;
  /** The index is still being built: results may be missing. */
  indexing: boolean;
  /** Answered from memory (an identical request since the last index change). */
  cached: boolean;
  /** The search time budget ran out: ranked from the channels that finished. */
  partial: boolean;
}

/** The chunk at the position `arama.context` was asked about. */
export interface ContextFocus {
  uri: string;
  path: string;
  range: Range;
  symbol: string | null;
  snippet: string;
}

/** `arama.context`. */
export interface ContextResponse {
  focus: ContextFocus | null;
  related: SearchResult[];
  tookMs: number;
}

export type IndexState = 'starting' | 'indexing' | 'ready';

/** The embedding cache in `arama.status`. */
export interface StatusCache {
  path: string;
  entries: number;
  hits: number;
  misses: number;
}

/** The team-shared embedding cache in `arama.status` (only when one is configured). */
export interface StatusRemoteCache {
  /** Without its password. */
  url: string;
  mode: "read" | "read-write";
  state: "ok" | "backing-off" | "disabled";
  /** Why it is not ok (or why writes are refused); null when all is well. */
  reason: string | null;
  /** null until the first connection. */
  cluster: boolean | null;
  hits: number;
  misses: number;
  writes: number;
  errors: number;
  rejected: number;
  verified: number;
  latencyMs: number;
}

/** Index updates since the server started, in `arama.status`. */
export interface StatusUpdates {
  batches: number;
  paths: number;
}

/** `arama.status`. */
export interface StatusResponse {
  state: IndexState;
  files: number;
  chunks: number;
  pendingFiles: number;
  pendingChunks: number;
  embeddedChunks: number;
  /** Definition names still waiting for their vector. */
  pendingNames: number;
  model: string;
  cache: StatusCache;
  workspaceFolders: string[];
  /** Files left out of the index, counted by reason. */
  skippedFiles: Record<string, number>;
  /** What the server repaired or fell back from (a rebuilt index, torch instead of ONNX). */
  recovered: string[];
  updates: StatusUpdates;
  /** Only when the server cannot use its cache directory: then every other command fails. */
  error?: string;
  /** Only when a remote cache is configured. */
  remoteCache?: StatusRemoteCache;
  /** Folders whose searches use the tuning `arama tune` kept for them. */
  tunedFolders: string[];
}

export interface StatsLanguage {
  language: string;
  files: number;
}

export interface StatsQuery {
  query: string;
  count: number;
}

/** `arama.stats`. */
export interface StatsResponse {
  files: number;
  totalBytes: number;
  avgBytes: number;
  recentFiles7d: number;
  languages: StatsLanguage[];
  popularQueries: StatsQuery[];
}

/** `arama.reindex`. */
export interface ReindexResponse {
  /** Files queued for indexing. */
  queued: number;
}

/** `arama.tune`: base vs tuned hybrid MRR@10 on one set of queries (paired). */
export interface TuneComparison {
  queries: number;
  base: number;
  tuned: number;
  gain: number;
  standardError: number;
}

/** `arama.tune`: training pairs mined, by kind. */
export interface TunePairs {
  doc: number;
  name: number;
}

/** `arama.tune`: how the adapter trained. */
export interface TuneTraining {
  pairs: number;
  trainedOn: number;
  checkedOn: number;
  epochs: number;
  bestEpoch: number;
  checkLossBase: number;
  checkLossTuned: number;
  seconds: number;
}

/** `arama.tune`: the run's numbers and verdict (kept only if the user's questions improved). */
export interface TuneResponse {
  folder: string;
  model: string;
  kept: boolean;
  /** Message key of the verdict. */
  reason: string;
  /** The verdict in the client's language. */
  message: string;
  heldOut: TuneComparison;
  questions: TuneComparison | null;
  semantic: TuneComparison;
  pairs: TunePairs;
  embeddedPairs: number;
  training: TuneTraining;
  seconds: number;
  at: string;
}

/** `arama.tune` with `reset: true`. */
export interface TuneResetResponse {
  folder: string;
  /** Whether there was a tuning to forget. */
  reset: boolean;
}

export const COMMANDS = {
  search: 'arama.search',
  context: 'arama.context',
  status: 'arama.status',
  reindex: 'arama.reindex',
  stats: 'arama.stats',
  tune: 'arama.tune',
} as const;
