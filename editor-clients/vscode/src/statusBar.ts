/**
 * The status bar item: `$(sync~spin) Arama 45%` while indexing, `$(search) Arama: 1,234 chunks`
 * when ready. Progress comes from the server's `$/progress` work-done reports; `arama.status` is
 * polled every few seconds while not ready (and after each report ends) for the counts.
 */

import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';

import type { AramaClient, ProgressValue } from './client';
import { formatCount, indexingPercentage } from './format';
import { COMMANDS, StatusResponse } from './protocol';

const POLL_BUSY_MS = 2000;
const POLL_IDLE_MS = 30000;

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  private client: LanguageClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private status: StatusResponse | undefined;
  /** Latest `$/progress` percentage and message while a report is open. */
  private progress: { percentage?: number; message?: string; title?: string } | undefined;
  private polling = false;
  private generation = 0;

  constructor(private readonly aramaClient: AramaClient) {
    this.item = vscode.window.createStatusBarItem('arama.status', vscode.StatusBarAlignment.Left, -100);
    this.item.name = vscode.l10n.t('Arama Index');
    this.item.command = 'arama.showStatus';
    this.showStarting();
    this.item.show();
    this.disposables.push(
      this.item,
      aramaClient.onDidChangeClient((client) => this.attach(client)),
      aramaClient.onWillStart(() => {
        this.generation++;
        this.client = undefined;
        this.progress = undefined;
        clearTimeout(this.timer);
        this.showStarting();
      }),
      aramaClient.onDidProgress((value) => {
        if (this.client) this.onProgress(value);
      }),
    );
  }

  get lastStatus(): StatusResponse | undefined {
    return this.status;
  }

  private attach(client: LanguageClient | undefined): void {
    this.generation++;
    this.client = client;
    this.status = undefined;
    this.progress = undefined;
    clearTimeout(this.timer);
    if (!client) {
      this.showStopped();
      return;
    }
    this.showStarting();
    void this.refresh();
  }

  private onProgress(value: ProgressValue): void {
    if (value.kind === 'end') {
      this.progress = undefined;
      void this.refresh();
      return;
    }
    const title = value.kind === 'begin' ? value.title : this.progress?.title;
    this.progress = {
      title,
      percentage: value.percentage ?? this.progress?.percentage,
      message: value.message ?? this.progress?.message,
    };
    this.render();
  }

  /** Ask the server now (after a reindex, say) and keep polling while it is busy. */
  async refresh(): Promise<void> {
    const client = this.client;
    if (!client || this.polling) return;
    const generation = this.generation;
    this.polling = true;
    try {
      this.status = await this.aramaClient.execute<StatusResponse>(COMMANDS.status, undefined, undefined, { quiet: true });
    } catch {
      // The server may be starting or restarting; the next poll tries again.
    } finally {
      this.polling = false;
    }
    if (generation !== this.generation) {
      // The client changed while this answer was on its way: start over for the new one.
      void this.refresh();
      return;
    }
    this.render();
    clearTimeout(this.timer);
    // An `error` does not pass by itself: poll slowly (a restart clears it).
    const busy = (this.status?.state !== 'ready' && !this.status?.error) || this.progress !== undefined;
    this.timer = setTimeout(() => void this.refresh(), busy ? POLL_BUSY_MS : POLL_IDLE_MS);
  }

  private render(): void {
    const status = this.status;
    const indexing = this.progress !== undefined || (status !== undefined && status.state !== 'ready');
    if (!status && !this.progress) {
      this.showStarting();
      return;
    }
    if (status?.error) {
      // The server cannot use its cache directory: nothing will be indexed until that is fixed.
      this.showStopped(vscode.l10n.t('Error: {0}', status.error));
      return;
    }
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.isTrusted = false;
    if (indexing) {
      const percentage =
        this.progress?.percentage ?? (status ? indexingPercentage(status) : undefined);
      this.item.text =
        percentage === undefined ? '$(sync~spin) Arama' : `$(sync~spin) Arama ${percentage}%`;
      tooltip.appendMarkdown(`**${escapeMarkdown(vscode.l10n.t('Arama is indexing the workspace'))}**`);
      if (this.progress?.message) tooltip.appendMarkdown(`\n\n${escapeMarkdown(this.progress.message)}`);
    } else {
      this.item.text = `$(search) ${vscode.l10n.t('Arama: {0} chunks', formatCount(status?.chunks ?? 0, vscode.env.language))}`;
      tooltip.appendMarkdown(`**${escapeMarkdown(vscode.l10n.t('Arama index is ready'))}**`);
    }
    if (status) {
      tooltip.appendMarkdown(
        `\n\n${escapeMarkdown(
          vscode.l10n.t(
            '{0} files, {1} chunks, model {2}',
            formatCount(status.files, vscode.env.language),
            formatCount(status.chunks, vscode.env.language),
            status.model || '—',
          ),
        )}`,
      );
    }
    tooltip.appendMarkdown(`\n\n${escapeMarkdown(vscode.l10n.t('Click to show the index status.'))}`);
    this.item.tooltip = tooltip;
    this.item.backgroundColor = undefined;
    this.item.accessibilityInformation = { label: this.item.text.replace(/\$\([^)]*\)\s*/g, '') };
  }

  private showStarting(): void {
    this.item.text = '$(sync~spin) Arama';
    this.item.tooltip = vscode.l10n.t('Arama is starting…');
    this.item.backgroundColor = undefined;
  }

  private showStopped(reason?: string): void {
    this.item.text = '$(error) Arama';
    this.item.tooltip = reason
      ? `${reason}\n\n${vscode.l10n.t('Click to show the index status.')}`
      : vscode.l10n.t('The Arama language server is not running. Click for details.');
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
