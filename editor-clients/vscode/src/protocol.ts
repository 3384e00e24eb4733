/** Shapes of arama's `workspace/executeCommand` answers (the command contract, DESIGN.md). */

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

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
}

export interface SearchResponse {
  results: SearchResult[];
  total: number;
  tookMs: number;
  indexing: boolean;
  cached: boolean;
}

export interface ContextResponse {
  focus: {
    uri: string;
    path: string;
    range: Range;
    symbol: string | null;
    snippet: string;
  } | null;
  related: SearchResult[];
  tookMs: number;
}

export type IndexState = 'starting' | 'indexing' | 'ready';

export interface StatusResponse {
  state: IndexState;
  files: number;
  chunks: number;
  pendingFiles: number;
  pendingChunks?: number;
  embeddedChunks: number;
  model: string;
  cache: { path?: string; entries?: number; hits?: number; misses?: number };
  workspaceFolders: string[];
  skippedFiles?: Record<string, number>;
}

export interface StatsResponse {
  files: number;
  totalBytes: number;
  avgBytes: number;
  recentFiles7d: number;
  languages: { language: string; files: number }[];
  popularQueries: { query: string; count: number }[];
}

export const COMMANDS = {
  search: 'arama.search',
  context: 'arama.context',
  status: 'arama.status',
  reindex: 'arama.reindex',
  stats: 'arama.stats',
} as const;
