/**
 * The Arama view container in the activity bar: a search box with mode and filter controls (a
 * webview view) above a tree of results grouped by file (a tree view). Results stay until the next
 * search, survive a window reload (workspace state), and each one opens its range on click; its
 * context menu finds related code, copies `path:line` or reveals the file in the Explorer.
 */

import { randomBytes } from 'crypto';
import * as vscode from 'vscode';
import { CancellationTokenSource } from 'vscode-languageclient/node';

import { AramaClient, requestErrorMessage } from './client';
import { firstSnippetLine, formatCount, indexingPercentage, symbolKindIcon } from './format';
import { COMMANDS, ContextResponse, SearchResponse, SearchResult, StatusResponse } from './protocol';
import { searchArguments } from './query';
import {
  EMPTY_FORM,
  FileGroup,
  formatScore,
  formQuery,
  groupByFile,
  pathLine,
  readSnapshot,
  resultsMessage,
  ResultsSnapshot,
  sanitizeForm,
  SearchForm,
} from './resultsModel';
import { openResult } from './searchPicker';
import { renderSearchFormHtml, SearchFormStrings } from './searchFormHtml';

export const RESULTS_VIEW = 'arama.results';
export const SEARCH_VIEW = 'arama.searchBox';
const STATE_KEY = 'arama.resultsView';

type Node = { kind: 'file'; group: FileGroup } | { kind: 'match'; result: SearchResult };

function formStrings(): SearchFormStrings {
  return {
    query: vscode.l10n.t('Search query'),
    placeholder: vscode.l10n.t('Describe the code you are looking for'),
    search: vscode.l10n.t('Search'),
    mode: vscode.l10n.t('Mode'),
    hybrid: vscode.l10n.t('Hybrid'),
    semantic: vscode.l10n.t('Semantic'),
    lexical: vscode.l10n.t('Lexical'),
    languages: vscode.l10n.t('Languages'),
    languagesPlaceholder: vscode.l10n.t('e.g. python, ts'),
    paths: vscode.l10n.t('Files to include'),
    pathsPlaceholder: vscode.l10n.t('e.g. src/**'),
    exclude: vscode.l10n.t('Files to exclude'),
    excludePlaceholder: vscode.l10n.t('e.g. tests/**'),
    kinds: vscode.l10n.t('Symbol kinds'),
    kindsPlaceholder: vscode.l10n.t('e.g. function, class'),
    content: vscode.l10n.t('Content'),
    anyContent: vscode.l10n.t('Any'),
    code: vscode.l10n.t('Code'),
    tests: vscode.l10n.t('Tests'),
    docs: vscode.l10n.t('Docs'),
    expand: vscode.l10n.t('Whole definitions'),
    filters: vscode.l10n.t('Filters'),
  };
}

/** The results tree: files, then their matched lines. */
class ResultsTree implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private groups: FileGroup[] = [];

  constructor(private readonly client: AramaClient) {}

  set(results: readonly SearchResult[]): void {
    this.groups = groupByFile(results);
    this.changed.fire();
  }

  get files(): number {
    return this.groups.length;
  }

  uriOf(uri: string): vscode.Uri {
    const lsp = this.client.current;
    return lsp ? lsp.protocol2CodeConverter.asUri(uri) : vscode.Uri.parse(uri);
  }

  getChildren(node?: Node): Node[] {
    if (!node) return this.groups.map((group) => ({ kind: 'file', group }));
    if (node.kind === 'file') return node.group.results.map((result) => ({ kind: 'match', result }));
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'file') {
      const { group } = node;
      const item = new vscode.TreeItem(this.uriOf(group.uri), vscode.TreeItemCollapsibleState.Expanded);
      const slash = group.path.lastIndexOf('/');
      item.description = slash > 0 ? group.path.slice(0, slash) : undefined;
      item.tooltip = vscode.l10n.t(
        '{0}: {1} results, best score {2}',
        group.path,
        formatCount(group.results.length, vscode.env.language),
        formatScore(group.best, vscode.env.language),
      );
      item.iconPath = vscode.ThemeIcon.File;
      item.contextValue = 'arama.file';
      item.id = `file:${group.uri}`;
      return item;
    }
    const { result } = node;
    const line = result.range.start.line + 1;
    const item = new vscode.TreeItem(
      firstSnippetLine(result.snippet, 120, result.symbol) || result.symbol || result.path,
      vscode.TreeItemCollapsibleState.None,
    );
    item.description = result.similar > 0 ? `:${line} · ${vscode.l10n.t('+{0} similar', result.similar)}` : `:${line}`;
    item.iconPath = new vscode.ThemeIcon(result.symbol ? symbolKindIcon(result.symbolKind) : 'file-code');
    item.tooltip = this.hover(result);
    item.contextValue = 'arama.match';
    item.id = `match:${result.uri}:${result.range.start.line}:${result.range.start.character}:${result.range.end.line}`;
    item.command = { command: 'arama.openResult', title: vscode.l10n.t('Open'), arguments: [result] };
    item.accessibilityInformation = { label: `${result.symbol ?? ''} ${pathLine(result)}`.trim() };
    return item;
  }

  private hover(result: SearchResult): vscode.MarkdownString {
    const md = new vscode.MarkdownString();
    md.supportThemeIcons = false;
    md.appendMarkdown(`**${escapeMarkdown(result.symbol || result.path)}** — \`${pathLine(result).replace(/`/g, "'")}\`\n\n`);
    md.appendMarkdown(escapeMarkdown(vscode.l10n.t('Score: {0}', formatScore(result.score, vscode.env.language))));
    md.appendMarkdown('\n\n');
    md.appendCodeblock(result.snippet.split('\n').slice(0, 12).join('\n'), result.language);
    return md;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

/** The search box: a webview view that posts its form and shows the view's state. */
class SearchBox implements vscode.WebviewViewProvider {
  private view: vscode.WebviewView | undefined;

  constructor(private readonly controller: ResultsView) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    view.webview.options = { enableScripts: true, localResourceRoots: [] };
    view.webview.html = renderSearchFormHtml({
      nonce: randomBytes(16).toString('base64'),
      cspSource: view.webview.cspSource,
      locale: vscode.env.language,
      strings: formStrings(),
      form: this.controller.form,
      status: this.controller.message,
    });
    view.webview.onDidReceiveMessage((message: { type?: string; form?: unknown }) => {
      if (message?.type === 'search') void this.controller.search(sanitizeForm(message.form));
    });
    view.onDidDispose(() => (this.view = undefined));
  }

  post(message: Record<string, unknown>): void {
    void this.view?.webview.postMessage(message);
  }
}

export class ResultsView implements vscode.Disposable {
  private readonly tree: ResultsTree;
  private readonly treeView: vscode.TreeView<Node>;
  private readonly searchBox: SearchBox;
  private readonly disposables: vscode.Disposable[] = [];
  private inFlight: CancellationTokenSource | undefined;
  private snapshot: ResultsSnapshot;
  private lastRelated: { result: SearchResult } | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly client: AramaClient,
  ) {
    this.tree = new ResultsTree(client);
    this.treeView = vscode.window.createTreeView(RESULTS_VIEW, { treeDataProvider: this.tree, showCollapseAll: true });
    this.searchBox = new SearchBox(this);
    this.snapshot = readSnapshot(context.workspaceState.get(STATE_KEY)) ?? {
      version: 1,
      form: { ...EMPTY_FORM, mode: this.defaultMode() },
      results: [],
      total: 0,
      message: '',
    };
    this.tree.set(this.snapshot.results);
    this.showMessage(this.snapshot.message);
    this.lastRelated = this.snapshot.relatedFrom ? { result: this.snapshot.relatedFrom } : undefined;
    const register = (id: string, handler: (...args: never[]) => unknown): void => {
      this.disposables.push(vscode.commands.registerCommand(id, handler as (...args: unknown[]) => unknown));
    };
    register('arama.openResult', (result: SearchResult) => this.open(result));
    register('arama.resultsView.findRelated', (node: Node) => this.findRelated(node));
    register('arama.resultsView.copyPathLine', (node: Node) => this.copyPathLine(node));
    register('arama.resultsView.revealInExplorer', (node: Node) => this.reveal(node));
    register('arama.resultsView.refresh', () => this.refresh());
    register('arama.resultsView.clear', () => this.clear());
    register('arama.showResultsView', () => this.focus());
    this.disposables.push(
      this.tree,
      this.treeView,
      vscode.window.registerWebviewViewProvider(SEARCH_VIEW, this.searchBox, { webviewOptions: { retainContextWhenHidden: true } }),
    );
  }

  get form(): SearchForm {
    return this.snapshot.form;
  }

  get message(): string {
    return this.snapshot.message;
  }

  private defaultMode(): SearchForm['mode'] {
    const mode = vscode.workspace.getConfiguration('arama').get<string>('search.defaultMode', 'hybrid');
    return sanitizeForm({ mode }).mode;
  }

  private limit(): number {
    return Math.max(1, Math.min(200, vscode.workspace.getConfiguration('arama').get<number>('search.limit', 30)));
  }

  private showMessage(message: string): void {
    this.treeView.message = message || undefined;
    this.searchBox.post({ status: message });
  }

  private async save(snapshot: ResultsSnapshot): Promise<void> {
    this.snapshot = snapshot;
    this.tree.set(snapshot.results);
    this.showMessage(snapshot.message);
    await this.context.workspaceState.update(STATE_KEY, snapshot);
  }

  /** Starts a request, cancelling the one in flight. */
  private begin(): CancellationTokenSource {
    this.inFlight?.cancel();
    const source = new CancellationTokenSource();
    this.inFlight = source;
    this.showMessage(vscode.l10n.t('Searching…'));
    return source;
  }

  private async indexedPercent(indexing: boolean): Promise<number | undefined> {
    if (!indexing) return undefined;
    try {
      const status = await this.client.execute<StatusResponse>(COMMANDS.status, undefined, undefined, { quiet: true });
      return indexingPercentage(status);
    } catch {
      return undefined;
    }
  }

  async search(form: SearchForm): Promise<void> {
    this.lastRelated = undefined;
    const parsed = formQuery(form);
    if (!parsed.query.trim()) {
      await this.save({ version: 1, form, results: [], total: 0, message: vscode.l10n.t('Type what you are looking for.') });
      return;
    }
    const source = this.begin();
    this.client.output.info(`results view: search ${JSON.stringify(parsed.query)} (${parsed.mode})`);
    try {
      const response = await vscode.window.withProgress({ location: { viewId: RESULTS_VIEW } }, () =>
        this.client.execute<SearchResponse>(COMMANDS.search, searchArguments(parsed, this.limit()), source.token, { quiet: true }),
      );
      if (source.token.isCancellationRequested) return;
      const files = groupByFile(response.results).length;
      const message = resultsMessage(
        { ...response, results: response.results.length, files, indexedPercent: await this.indexedPercent(response.indexing) },
        vscode.l10n,
        vscode.env.language,
      );
      await this.save({ version: 1, form, results: response.results, total: response.total, message });
    } catch (err) {
      if (source.token.isCancellationRequested) return;
      const message = requestErrorMessage(err);
      if (message !== undefined) await this.save({ version: 1, form, results: [], total: 0, message });
    } finally {
      if (this.inFlight === source) this.inFlight = undefined;
      source.dispose();
    }
  }

  private async open(result: SearchResult | undefined): Promise<void> {
    if (!result) return;
    try {
      await openResult(this.client, result);
    } catch (err) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Arama could not open {0}: {1}', result.path, String(err)));
    }
  }

  private resultOf(node: Node | undefined): SearchResult | undefined {
    if (node?.kind === 'match') return node.result;
    if (node?.kind === 'file') return node.group.results[0];
    const selected = this.treeView.selection[0];
    return selected ? this.resultOf(selected) : undefined;
  }

  /** Find Related Code for a result: the related chunks replace the tree's content. */
  private async findRelated(node: Node | undefined): Promise<void> {
    const result = this.resultOf(node);
    if (!result) return;
    this.lastRelated = { result };
    const source = this.begin();
    this.client.output.info(`results view: related to ${pathLine(result)}`);
    try {
      const response = await vscode.window.withProgress({ location: { viewId: RESULTS_VIEW } }, () =>
        this.client.execute<ContextResponse>(
          COMMANDS.context,
          { uri: result.uri, position: { ...result.range.start }, limit: this.limit() },
          source.token,
          { quiet: true },
        ),
      );
      if (source.token.isCancellationRequested) return;
      const where = response.focus?.symbol || pathLine(result);
      const files = groupByFile(response.related).length;
      const counts = resultsMessage(
        { results: response.related.length, files, total: response.related.length, indexing: false, partial: false },
        vscode.l10n,
        vscode.env.language,
      );
      const message = `${vscode.l10n.t('Related to {0}', where)} · ${counts}`;
      await this.save({ version: 1, form: this.snapshot.form, results: response.related, total: response.related.length, message, relatedTo: where, relatedFrom: result });
    } catch (err) {
      if (source.token.isCancellationRequested) return;
      const message = requestErrorMessage(err);
      if (message !== undefined) this.showMessage(message);
    } finally {
      if (this.inFlight === source) this.inFlight = undefined;
      source.dispose();
    }
  }

  private async copyPathLine(node: Node | undefined): Promise<void> {
    const result = this.resultOf(node);
    if (!result) return;
    const text = node?.kind === 'file' ? node.group.path : pathLine(result);
    await vscode.env.clipboard.writeText(text);
    vscode.window.setStatusBarMessage(vscode.l10n.t('Copied {0}', text), 3000);
  }

  private async reveal(node: Node | undefined): Promise<void> {
    const result = this.resultOf(node);
    if (!result) return;
    await vscode.commands.executeCommand('revealInExplorer', this.tree.uriOf(result.uri));
  }

  /** Runs the last search (or Find Related Code) again. */
  private async refresh(): Promise<void> {
    if (this.lastRelated) await this.findRelated({ kind: 'match', result: this.lastRelated.result });
    else await this.search(this.snapshot.form);
  }

  private async clear(): Promise<void> {
    this.lastRelated = undefined;
    await this.save({ version: 1, form: { ...EMPTY_FORM, mode: this.snapshot.form.mode }, results: [], total: 0, message: '' });
    this.searchBox.post({ type: 'form', form: this.snapshot.form });
  }

  /** Shows the view container with the cursor in the search box. */
  private async focus(): Promise<void> {
    await vscode.commands.executeCommand(`${SEARCH_VIEW}.focus`);
    this.searchBox.post({ focus: true });
  }

  dispose(): void {
    this.inFlight?.cancel();
    for (const d of this.disposables) d.dispose();
  }
}
