/**
 * The search QuickPick: searches as you type (debounced, the outdated request cancelled), shows
 * symbol, `path:line` and a snippet line per result, opens the chunk's range on Enter. The same
 * picker lists "related code" for Find Related Code.
 */

import * as vscode from 'vscode';
import { CancellationTokenSource } from 'vscode-languageclient/node';

import { searchNotes } from './answerText';
import { AramaClient, requestErrorMessage } from './client';
import { describeFilters, parseQuery, ParsedQuery, searchArguments, SearchMode, SEARCH_MODES, withModePrefix } from './query';
import { formatCount, presentResult } from './format';
import { COMMANDS, ContextResponse, SearchResponse, SearchResult } from './protocol';

export const DEBOUNCE_MS = 200;

interface ResultItem extends vscode.QuickPickItem {
  result?: SearchResult;
  loadMore?: boolean;
}

function modeName(mode: SearchMode): string {
  switch (mode) {
    case 'semantic':
      return vscode.l10n.t('Semantic');
    case 'lexical':
      return vscode.l10n.t('Lexical');
    default:
      return vscode.l10n.t('Hybrid');
  }
}

const MODE_ICONS: Record<SearchMode, string> = {
  hybrid: 'layers',
  semantic: 'sparkle',
  lexical: 'whole-word',
};

interface ModeButton extends vscode.QuickInputButton {
  mode: SearchMode;
}

function openToSideButton(): vscode.QuickInputButton {
  return { iconPath: new vscode.ThemeIcon('split-horizontal'), tooltip: vscode.l10n.t('Open to the Side') };
}

function similarLabel(count: number): string {
  return vscode.l10n.t('+{0} similar', formatCount(count, vscode.env.language));
}

function resultItem(result: SearchResult): ResultItem {
  const view = presentResult(result, similarLabel);
  return {
    label: view.label,
    description: view.description,
    detail: view.detail,
    alwaysShow: true,
    result,
    buttons: [openToSideButton()],
  };
}

function messageItem(icon: string, text: string): ResultItem {
  return { label: `$(${icon}) ${text}`, alwaysShow: true };
}

export async function openResult(
  client: AramaClient,
  result: SearchResult,
  options: { sideBySide?: boolean; preserveFocus?: boolean } = {},
): Promise<void> {
  const lsp = client.current;
  const uri = lsp ? lsp.protocol2CodeConverter.asUri(result.uri) : vscode.Uri.parse(result.uri);
  const { start, end } = result.range;
  const range = new vscode.Range(start.line, start.character, end.line, end.character);
  const editor = await vscode.window.showTextDocument(uri, {
    selection: range,
    preview: !options.sideBySide,
    preserveFocus: options.preserveFocus,
    viewColumn: options.sideBySide ? vscode.ViewColumn.Beside : undefined,
  });
  // The chunk selected, with the cursor at its first line (where the definition starts).
  editor.selection = new vscode.Selection(range.end, range.start);
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

function wireOpening(client: AramaClient, picker: vscode.QuickPick<ResultItem>, onLoadMore?: () => void): vscode.Disposable[] {
  return [
    picker.onDidAccept(() => {
      const item = picker.selectedItems[0] ?? picker.activeItems[0];
      if (item?.loadMore && onLoadMore) {
        onLoadMore();
        return;
      }
      if (!item?.result) return;
      picker.hide();
      void openResult(client, item.result).catch((err) =>
        vscode.window.showErrorMessage(vscode.l10n.t('Arama could not open {0}: {1}', item.result!.path, String(err))),
      );
    }),
    picker.onDidTriggerItemButton(({ item }) => {
      if (!item.result) return;
      picker.hide();
      void openResult(client, item.result, { sideBySide: true });
    }),
  ];
}

export class SearchPicker {
  private readonly picker = vscode.window.createQuickPick<ResultItem>();
  private readonly disposables: vscode.Disposable[] = [];
  private debounce: NodeJS.Timeout | undefined;
  private inFlight: CancellationTokenSource | undefined;
  private sequence = 0;
  private parsed: ParsedQuery | undefined;
  private results: SearchResult[] = [];
  private total = 0;
  private indexing = false;
  private partial = false;

  constructor(
    private readonly client: AramaClient,
    private readonly defaultMode: SearchMode,
    private readonly limit: number,
  ) {
    const picker = this.picker;
    picker.title = vscode.l10n.t('Arama: Search Workspace');
    picker.placeholder = vscode.l10n.t(
      'Describe the code you are looking for (/s semantic, /l lexical, /x whole definitions, lang:python, kind:function, content:tests, path:src/**)',
    );
    picker.matchOnDescription = false;
    picker.matchOnDetail = false;
    picker.keepScrollPosition = true;
    this.disposables.push(
      picker,
      picker.onDidChangeValue(() => this.schedule()),
      picker.onDidTriggerButton((button) => {
        const mode = (button as ModeButton).mode;
        if (!mode) return;
        picker.value = withModePrefix(picker.value, mode, this.defaultMode);
        this.schedule(0);
      }),
      ...wireOpening(client, picker, () => void this.loadMore()),
      picker.onDidHide(() => this.dispose()),
    );
    this.updateChrome(parseQuery('', defaultMode));
  }

  show(initialValue = ''): void {
    this.picker.value = initialValue;
    this.picker.show();
    if (initialValue.trim()) this.schedule(0);
  }

  private updateChrome(parsed: ParsedQuery): void {
    const parts = [vscode.l10n.t('Arama: Search Workspace'), modeName(parsed.mode)];
    if (parsed.expand) parts.push(vscode.l10n.t('Whole definitions'));
    const filters = describeFilters(parsed);
    if (filters) parts.push(filters);
    parts.push(...searchNotes({ indexing: this.indexing, partial: this.partial }, vscode.l10n));
    this.picker.title = parts.join(' · ');
    this.picker.buttons = SEARCH_MODES.filter((mode) => mode !== parsed.mode).map(
      (mode): ModeButton => ({
        mode,
        iconPath: new vscode.ThemeIcon(MODE_ICONS[mode]),
        tooltip: vscode.l10n.t('Switch to {0} search', modeName(mode)),
      }),
    );
  }

  private schedule(delay = DEBOUNCE_MS): void {
    clearTimeout(this.debounce);
    // Whatever is in flight answers a query that is no longer there.
    this.inFlight?.cancel();
    this.inFlight = undefined;
    const parsed = parseQuery(this.picker.value, this.defaultMode);
    this.updateChrome(parsed);
    if (!parsed.query.trim()) {
      this.picker.busy = false;
      this.results = [];
      this.picker.items = [];
      return;
    }
    this.debounce = setTimeout(() => void this.run(parsed), delay);
  }

  private async run(parsed: ParsedQuery, offset = 0): Promise<void> {
    const sequence = ++this.sequence;
    const source = new CancellationTokenSource();
    this.inFlight = source;
    this.picker.busy = true;
    try {
      // Quiet: a missing server shows as the picker's one item, not as a toast per keystroke.
      const response = await this.client.execute<SearchResponse>(
        COMMANDS.search,
        searchArguments(parsed, this.limit, offset),
        source.token,
        { quiet: true },
      );
      if (sequence !== this.sequence || source.token.isCancellationRequested) return;
      this.parsed = parsed;
      this.results = offset === 0 ? response.results : [...this.results, ...response.results];
      this.total = response.total;
      this.indexing = response.indexing;
      this.partial = response.partial;
      this.updateChrome(parsed);
      this.render(offset > 0 ? response.results.length : 0);
    } catch (err) {
      if (sequence !== this.sequence) return;
      const message = requestErrorMessage(err);
      if (message === undefined) return; // cancelled
      this.results = [];
      this.picker.items = [messageItem('error', message)];
    } finally {
      if (sequence === this.sequence) {
        this.picker.busy = false;
        this.inFlight = undefined;
      }
      source.dispose();
    }
  }

  private render(appended: number): void {
    const items: ResultItem[] = this.results.map(resultItem);
    if (items.length === 0) {
      items.push(messageItem('info', vscode.l10n.t('No results')));
    } else if (this.total > this.results.length) {
      items.push({
        label: `$(ellipsis) ${vscode.l10n.t('Load more results')}`,
        description: vscode.l10n.t(
          '{0} of {1}',
          formatCount(this.results.length, vscode.env.language),
          formatCount(this.total, vscode.env.language),
        ),
        alwaysShow: true,
        loadMore: true,
      });
    }
    this.picker.items = items;
    if (appended > 0) {
      this.picker.activeItems = [items[this.results.length - appended]];
    }
  }

  private async loadMore(): Promise<void> {
    if (!this.parsed || this.picker.busy) return;
    await this.run(this.parsed, this.results.length);
  }

  dispose(): void {
    clearTimeout(this.debounce);
    this.inFlight?.cancel();
    this.sequence++;
    for (const d of this.disposables) d.dispose();
  }
}

export function showSearchPicker(client: AramaClient, initialValue = ''): void {
  const config = vscode.workspace.getConfiguration('arama');
  const mode = config.get<SearchMode>('search.defaultMode', 'hybrid');
  const limit = Math.max(1, Math.min(200, config.get<number>('search.limit', 30)));
  new SearchPicker(client, SEARCH_MODES.includes(mode) ? mode : 'hybrid', limit).show(initialValue);
}

/** Find Related Code: the chunk at the cursor, then related code elsewhere, in the same picker. */
export async function showRelatedPicker(client: AramaClient, editor: vscode.TextEditor): Promise<void> {
  const picker = vscode.window.createQuickPick<ResultItem>();
  const disposables: vscode.Disposable[] = [picker];
  const source = new CancellationTokenSource();
  picker.title = vscode.l10n.t('Arama: Related Code');
  picker.placeholder = vscode.l10n.t('Filter related code');
  picker.matchOnDescription = true;
  picker.matchOnDetail = true;
  picker.busy = true;
  disposables.push(
    ...wireOpening(client, picker),
    picker.onDidHide(() => {
      source.cancel();
      for (const d of disposables) d.dispose();
    }),
  );
  picker.show();
  const lsp = client.current;
  const uri = lsp ? lsp.code2ProtocolConverter.asUri(editor.document.uri) : editor.document.uri.toString();
  const position = editor.selection.active;
  const limit = Math.max(1, Math.min(200, vscode.workspace.getConfiguration('arama').get<number>('search.limit', 30)));
  try {
    const response = await client.execute<ContextResponse>(
      COMMANDS.context,
      { uri, position: { line: position.line, character: position.character }, limit },
      source.token,
    );
    if (source.token.isCancellationRequested) return;
    const focus = response.focus;
    const where = focus
      ? focus.symbol || `${focus.path}:${focus.range.start.line + 1}`
      : vscode.workspace.asRelativePath(editor.document.uri);
    picker.title = vscode.l10n.t('Arama: Code Related to {0}', where);
    picker.items = response.related.length
      ? response.related.map(resultItem)
      : [messageItem('info', vscode.l10n.t('No related code found'))];
  } catch (err) {
    const message = requestErrorMessage(err);
    if (message !== undefined) picker.items = [messageItem('error', message)];
  } finally {
    picker.busy = false;
    source.dispose();
  }
}
