/**
 * "Arama: Tune Search with Your Questions…" and "Arama: Forget Search Tuning": the server's
 * `arama.tune`. A tuning is kept only when it answers the user's own questions better (the
 * server decides and says why); the file of questions must be in the workspace.
 */

import * as vscode from 'vscode';

import { tuneDetailLines } from './answerText';
import { AramaClient, requestErrorMessage, SHOW_LOG_ACTION } from './client';
import { COMMANDS, TuneResetResponse, TuneResponse } from './protocol';

async function folderAndQuestions(): Promise<{ folder: vscode.WorkspaceFolder; questions: vscode.Uri } | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Open a folder to tune search for it.'));
    return undefined;
  }
  const folder =
    folders.length === 1 ? folders[0] : await vscode.window.showWorkspaceFolderPick({ placeHolder: vscode.l10n.t('Tune search for which folder?') });
  if (!folder) return undefined;
  const picked = await vscode.window.showOpenDialog({
    defaultUri: folder.uri,
    canSelectMany: false,
    openLabel: vscode.l10n.t('Use These Questions'),
    title: vscode.l10n.t('Your questions: one per line, question<TAB>path[:line], or JSON lines'),
    filters: { [vscode.l10n.t('Questions')]: ['tsv', 'jsonl', 'txt'] },
  });
  if (!picked || picked.length === 0) return undefined;
  return { folder, questions: picked[0] };
}

export async function tuneSearch(client: AramaClient): Promise<void> {
  const chosen = await folderAndQuestions();
  if (!chosen) return;
  try {
    // The server reports its own progress ($/progress) while it runs.
    const answer = await client.execute<TuneResponse>(COMMANDS.tune, {
      folder: chosen.folder.uri.toString(),
      queries: chosen.questions.toString(),
    });
    const show = answer.kept ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
    void show(answer.message, { modal: true, detail: tuneDetailLines(answer, vscode.l10n).join('\n') });
  } catch (err) {
    const message = requestErrorMessage(err);
    if (message !== undefined) {
      void vscode.window
        .showErrorMessage(vscode.l10n.t('Arama could not tune search: {0}', message), SHOW_LOG_ACTION())
        .then((choice) => client.handleAction(choice));
    }
  }
}

export async function forgetTuning(client: AramaClient): Promise<void> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const folder = folders.length <= 1 ? folders[0] : await vscode.window.showWorkspaceFolderPick();
  if (!folder) return;
  try {
    const answer = await client.execute<TuneResetResponse>(COMMANDS.tune, { folder: folder.uri.toString(), reset: true });
    void vscode.window.showInformationMessage(
      answer.reset
        ? vscode.l10n.t('Search tuning of {0} forgotten: the model alone answers again.', folder.name)
        : vscode.l10n.t('{0} has no search tuning to forget.', folder.name),
    );
  } catch (err) {
    const message = requestErrorMessage(err);
    if (message !== undefined) void vscode.window.showErrorMessage(message);
  }
}
