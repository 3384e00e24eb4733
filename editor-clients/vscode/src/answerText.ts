/**
 * Localized text about the server's answers, built by pure functions (no `vscode` import, so they
 * are unit-tested under plain Node): the caller passes `vscode.l10n` as `l10n`.
 */

import { formatCount } from './format';
import type { SearchResponse, StatusResponse, TuneComparison, TuneResponse } from './protocol';

/** The part of `vscode.l10n` used here: `{0}`-style placeholders. */
export interface Localizer {
  t(message: string, ...args: Array<string | number | boolean>): string;
}

/** The detail lines of the index status dialog; the server's `error` comes first. */
export function statusDetailLines(status: StatusResponse, l10n: Localizer, locale = 'en'): string[] {
  const n = (value: number | undefined): string => formatCount(value ?? 0, locale);
  const lines: string[] = [];
  if (status.error) lines.push(l10n.t('Error: {0}', status.error));
  lines.push(
    l10n.t('Files: {0}', n(status.files)),
    l10n.t('Chunks: {0} ({1} embedded)', n(status.chunks), n(status.embeddedChunks)),
  );
  if (status.pendingFiles || status.pendingChunks) {
    lines.push(l10n.t('Pending: {0} files, {1} chunks', n(status.pendingFiles), n(status.pendingChunks)));
  }
  lines.push(l10n.t('Model: {0}', status.model || '—'));
  if (status.cache?.path) {
    lines.push(
      l10n.t(
        'Embedding cache: {0} entries ({1} hits, {2} misses) in {3}',
        n(status.cache.entries),
        n(status.cache.hits),
        n(status.cache.misses),
        status.cache.path,
      ),
    );
  }
  if (status.workspaceFolders?.length) {
    lines.push(l10n.t('Folders: {0}', status.workspaceFolders.join(', ')));
  }
  const skipped = Object.entries(status.skippedFiles ?? {});
  if (skipped.length) {
    lines.push(l10n.t('Skipped: {0}', skipped.map(([reason, count]) => `${reason} ${n(count)}`).join(', ')));
  }
  const team = status.remoteCache;
  if (team) {
    const state =
      team.state === 'ok'
        ? l10n.t('working')
        : team.state === 'backing-off'
          ? l10n.t('not answering, embedding locally')
          : l10n.t('off for this session, embedding locally');
    lines.push(
      l10n.t(
        'Team cache: {0} ({1}), {2}: {3} found, {4} missing, {5} written, {6} errors',
        team.url,
        team.mode,
        state,
        n(team.hits),
        n(team.misses),
        n(team.writes),
        n(team.errors),
      ),
    );
    if (team.reason) lines.push(l10n.t('Team cache: {0}', team.reason));
  }
  for (const note of status.recovered ?? []) lines.push(l10n.t('Recovered: {0}', note));
  return lines;
}

/** Notes for the search picker's title when an answer may be incomplete. */
export function searchNotes(answer: Pick<SearchResponse, 'indexing' | 'partial'>, l10n: Localizer): string[] {
  const notes: string[] = [];
  if (answer.indexing) notes.push(l10n.t('Indexing — results may be incomplete'));
  if (answer.partial) notes.push(l10n.t('Search time ran out — results may be incomplete'));
  return notes;
}

function tuneComparison(c: TuneComparison): string {
  const sign = c.gain >= 0 ? '+' : '';
  return `${c.base.toFixed(3)} → ${c.tuned.toFixed(3)} (${sign}${c.gain.toFixed(3)}, n=${c.queries})`;
}

/** The dialog's detail: the numbers the verdict rests on. */
export function tuneDetailLines(answer: TuneResponse, l10n: Localizer): string[] {
  const lines = [l10n.t('Held-out documentation, hybrid MRR@10: {0}', tuneComparison(answer.heldOut))];
  if (answer.questions) lines.push(l10n.t('Your questions, hybrid MRR@10: {0}', tuneComparison(answer.questions)));
  lines.push(
    l10n.t('Trained on {0} pairs in {1} s.', String(answer.pairs.doc + answer.pairs.name), answer.training.seconds.toFixed(0)),
  );
  return lines;
}
