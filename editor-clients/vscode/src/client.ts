/** Owns the language client: finds the server, starts, restarts and talks to it. */

import * as fs from 'fs';
import * as os from 'os';
import * as vscode from 'vscode';
import {
  CancellationToken,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  FeatureState,
  RevealOutputChannelOn,
  ServerOptions,
  State,
  StaticFeature,
  TransportKind,
  WorkDoneProgress,
  WorkDoneProgressBegin,
  WorkDoneProgressCreateRequest,
  WorkDoneProgressEnd,
  WorkDoneProgressReport,
} from 'vscode-languageclient/node';

import { initializationOptions, problemText, settingProblems } from './initOptions';
import type { StatusResponse } from './protocol';
import { FoundServer, installCommand, LocatorInput, locateServer, pythonFor, SERVER_MODULE } from './serverLocator';

export const CLIENT_ID = 'arama';

const ENGINE_START_TIMEOUT_MS = 60_000;

/** Settings whose change needs a new server process. */
const RESTART_SETTINGS = [
  'arama.server.path',
  'arama.server.pythonPath',
  'arama.model',
  'arama.cacheDir',
  'arama.exclude',
  'arama.maxFileSize',
  'arama.threads',
  'arama.embeddingBackend',
  'arama.searchBudgetMs',
  'arama.remoteCache',
];

export class ServerNotFoundError extends Error {}

export type ProgressValue = WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd;

/**
 * Routes the server's work-done progress (indexing) to the status bar. Registered after the
 * language client's built-in progress feature, so its `window/workDoneProgress/create` handler
 * replaces the built-in one (which would show a second, generic progress item); it is
 * initialized again whenever the client restarts the server.
 */
class ProgressRouter implements StaticFeature {
  constructor(
    private readonly client: LanguageClient,
    private readonly emit: (value: ProgressValue) => void,
  ) {}

  getState(): FeatureState {
    return { kind: 'static' };
  }

  fillClientCapabilities(capabilities: { window?: { workDoneProgress?: boolean } }): void {
    capabilities.window = { ...capabilities.window, workDoneProgress: true };
  }

  initialize(): void {
    this.client.onRequest(WorkDoneProgressCreateRequest.type, ({ token }) => {
      const disposable = this.client.onProgress(WorkDoneProgress.type, token, (value) => {
        this.emit(value);
        if (value.kind === 'end') disposable.dispose();
      });
    });
  }

  clear(): void {
    // Nothing held between sessions.
  }
}

export class AramaClient implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<LanguageClient | undefined> | undefined;
  private readonly stateEmitter = new vscode.EventEmitter<LanguageClient | undefined>();
  private readonly progressEmitter = new vscode.EventEmitter<ProgressValue>();
  private readonly startingEmitter = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [];
  private restartTimer: NodeJS.Timeout | undefined;

  /** Fires when a (new) client is running, or with undefined when it stopped or failed. */
  readonly onDidChangeClient = this.stateEmitter.event;
  /** The server's indexing progress (`$/progress` begin/report/end). */
  readonly onDidProgress = this.progressEmitter.event;
  /** Fires when a server process is about to be (re)started. */
  readonly onWillStart = this.startingEmitter.event;

  constructor(readonly output: vscode.LogOutputChannel) {
    this.disposables.push(
      this.stateEmitter,
      this.progressEmitter,
      this.startingEmitter,
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (RESTART_SETTINGS.some((section) => event.affectsConfiguration(section))) {
          // Several settings often change together (settings.json save): restart once.
          clearTimeout(this.restartTimer);
          this.restartTimer = setTimeout(() => void this.restart(), 500);
        }
      }),
      // Trusting the folder makes its .venv a place to find the server in.
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        if (!this.current) void this.restart();
      }),
    );
  }

  get current(): LanguageClient | undefined {
    return this.client?.state === State.Running ? this.client : undefined;
  }

  start(): Promise<LanguageClient | undefined> {
    if (!this.starting) this.starting = this.doStart();
    return this.starting;
  }

  async restart(): Promise<void> {
    const previous = this.starting;
    this.starting = undefined;
    const old = (await previous?.catch(() => undefined)) ?? this.client;
    this.client = undefined;
    this.startingEmitter.fire();
    if (old) {
      try {
        await old.stop(3000);
      } catch (err) {
        this.output.warn(`stopping the old server: ${String(err)}`);
      }
    }
    await this.start();
  }

  /**
   * The running client, starting it if needed; undefined if it cannot run, after telling the user
   * (with buttons to fix it) unless `quiet`.
   */
  async ready(quiet = false): Promise<LanguageClient | undefined> {
    const client = this.current ?? (await this.start());
    if (client && client.state === State.Running) return client;
    if (!quiet) {
      if (client) {
        void vscode.window
          .showErrorMessage(vscode.l10n.t('The Arama language server is not running.'), RESTART_ACTION(), SHOW_LOG_ACTION())
          .then((choice) => this.handleAction(choice));
      } else {
        this.reportMissingServer();
      }
    }
    return undefined;
  }

  /**
   * `workspace/executeCommand` with the one argument object of the command contract. Throws
   * ServerNotFoundError when there is no server (telling the user, unless `quiet`: for polls and
   * for a picker that shows the message itself).
   */
  async execute<T>(
    command: string,
    argument: Record<string, unknown> | undefined,
    token?: CancellationToken,
    options: { quiet?: boolean } = {},
  ): Promise<T> {
    const client = await this.ready(options.quiet);
    if (!client) {
      throw new ServerNotFoundError(this.missingMessage ?? vscode.l10n.t('The Arama language server is not running.'));
    }
    if (command !== 'arama.status') await this.engineStarted(client, token);
    const params = { command, arguments: argument === undefined ? [] : [argument] };
    return (await client.sendRequest(ExecuteCommandRequest.type, params, token)) as T;
  }

  private readonly engineReady = new WeakSet<LanguageClient>();

  /**
   * Right after `initialize` the server is still creating its engine and answers commands with
   * an error; `arama.status` says "starting" until then. Wait for that to pass (once per server
   * process), so a search typed at start-up gets an answer, not an error.
   */
  private async engineStarted(client: LanguageClient, token?: CancellationToken): Promise<void> {
    const deadline = Date.now() + ENGINE_START_TIMEOUT_MS;
    while (!this.engineReady.has(client) && Date.now() < deadline && !token?.isCancellationRequested) {
      const status = (await client.sendRequest(
        ExecuteCommandRequest.type,
        { command: 'arama.status', arguments: [] },
        token,
      )) as Pick<StatusResponse, 'state' | 'error'> | null;
      // An `error` means the engine will not come: the command then fails at once with it.
      if (status?.state !== 'starting' || status.error) {
        this.engineReady.add(client);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  handleAction(choice: string | undefined): void {
    if (choice === undefined) return;
    if (choice === RESTART_ACTION()) void this.restart();
    else if (choice === SHOW_LOG_ACTION()) this.output.show(true);
    else if (choice === OPEN_SETTINGS_ACTION()) void openSetting(this.missingSetting ?? 'arama.server');
  }

  private missingSetting: string | undefined;
  private missingMessage: string | undefined;
  /** The install command when no server was found anywhere. */
  private missingCommand: string | undefined;

  private reportMissingServer(): void {
    const message = this.missingMessage ?? vscode.l10n.t('The Arama language server could not be started.');
    const command = this.missingCommand;
    const actions = command ? [OPEN_SETTINGS_ACTION(), COPY_COMMAND_ACTION()] : [OPEN_SETTINGS_ACTION(), SHOW_LOG_ACTION()];
    void vscode.window.showErrorMessage(message, ...actions).then((choice) => {
      if (command && choice === COPY_COMMAND_ACTION()) void vscode.env.clipboard.writeText(command);
      else this.handleAction(choice);
    });
  }

  /**
   * Server options in settings.json that the server would refuse: left out of the
   * initializationOptions (it then uses its defaults), and said so once per start.
   */
  private reportSettingProblems(): void {
    const config = vscode.workspace.getConfiguration('arama');
    const problems = settingProblems((key) => config.get(key));
    if (problems.length === 0) return;
    const texts = problems.map((p) => problemText(p, vscode.l10n));
    for (const text of texts) this.output.warn(text);
    const setting = problems[0].setting.split('.').slice(0, 2).join('.');
    void vscode.window.showWarningMessage(texts.join(' '), OPEN_SETTINGS_ACTION()).then((choice) => {
      if (choice === OPEN_SETTINGS_ACTION()) void openSetting(setting);
    });
  }

  /** Where to look for the server (also for `arama mcp`: mcp.ts). */
  locatorInput(): LocatorInput {
    const config = vscode.workspace.getConfiguration('arama');
    return {
      serverPath: config.get<string>('server.path', ''),
      pythonPath: config.get<string>('server.pythonPath', ''),
      envPath: process.env.PATH ?? '',
      platform: process.platform,
      home: os.homedir(),
      workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
      workspaceTrusted: vscode.workspace.isTrusted,
      isExecutable: (file) => {
        try {
          if (!fs.statSync(file).isFile()) return false;
          fs.accessSync(file, process.platform === 'win32' ? fs.constants.F_OK : fs.constants.X_OK);
          return true;
        } catch {
          return false;
        }
      },
    };
  }

  /** The server's options from the settings (also the flags of `arama mcp`: mcp.ts). */
  initializationOptions(): Record<string, unknown> {
    const config = vscode.workspace.getConfiguration('arama');
    return initializationOptions((key) => config.get(key), os.homedir());
  }

  private serverOptions(server: FoundServer, input: LocatorInput): ServerOptions {
    const run = { command: server.command, args: server.args, transport: TransportKind.stdio };
    // Debugging the server: launch.json's "Run Extension + debug server" sets this variable, and
    // the server then waits for the "Attach to arama-ls" configuration on that port.
    const debugPort = process.env.ARAMA_DEBUGPY_PORT;
    const python = debugPort ? pythonFor(server, input) : undefined;
    if (debugPort && python) {
      const debug = {
        command: python,
        args: ['-P', '-m', 'debugpy', '--listen', `127.0.0.1:${debugPort}`, '-m', SERVER_MODULE],
        transport: TransportKind.stdio,
      };
      this.output.info(`server under debugpy on port ${debugPort}: ${python}`);
      return { run: debug, debug };
    }
    return { run, debug: run };
  }

  private async doStart(): Promise<LanguageClient | undefined> {
    this.startingEmitter.fire();
    const input = this.locatorInput();
    const located = locateServer(input, process.env);
    if (!located.found) {
      this.missingSetting = located.setting;
      this.missingMessage =
        located.reason === 'configured'
          ? vscode.l10n.t(
              'Arama: the language server configured in "{0}" was not found: {1}',
              located.setting,
              located.tried,
            )
          : vscode.l10n.t(
              'Arama: the language server "arama-ls" was not found (on PATH, in the pipx and uv tool folders, in the workspace\'s .venv). Install it: in the arama repository run "make dist", then "{0}". Or set "arama.server.path" to your arama-ls.',
              installCommand(extensionVersion()),
            );
      this.missingCommand = located.reason === 'absent' ? installCommand(extensionVersion()) : undefined;
      this.output.error(this.missingMessage);
      this.stateEmitter.fire(undefined);
      this.reportMissingServer();
      return undefined;
    }
    this.missingSetting = undefined;
    this.missingMessage = undefined;
    this.missingCommand = undefined;
    this.reportSettingProblems();
    this.output.info(`starting ${[located.command, ...located.args].join(' ')} (from ${located.source})`);
    const clientOptions: LanguageClientOptions = {
      // Every file the editor opens: the server indexes the unsaved text of open documents.
      documentSelector: [{ scheme: 'file' }],
      outputChannel: this.output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationOptions: this.initializationOptions(),
      // The LSP `locale` (InitializeParams) comes from vscode.env.language: the server answers in
      // the editor's display language.
    };
    const client = new LanguageClient(CLIENT_ID, 'Arama', this.serverOptions(located, input), clientOptions);
    this.client = client;
    client.registerFeature(
      new ProgressRouter(client, (value) => {
        if (this.client === client) this.progressEmitter.fire(value);
      }),
    );
    client.onDidChangeState((event) => {
      if (this.client !== client) return;
      if (event.newState === State.Running) this.stateEmitter.fire(client);
      else if (event.newState === State.Stopped) this.stateEmitter.fire(undefined);
    });
    try {
      await client.start();
    } catch (err) {
      this.output.error(`the language server failed to start: ${String(err)}`);
      void vscode.window
        .showErrorMessage(
          vscode.l10n.t('Arama: the language server failed to start ({0}).', String(err)),
          OPEN_SETTINGS_ACTION(),
          SHOW_LOG_ACTION(),
        )
        .then((choice) => this.handleAction(choice));
      this.missingSetting = located.source === 'server.pythonPath' ? 'arama.server.pythonPath' : 'arama.server.path';
      return client;
    }
    return client;
  }

  async dispose(): Promise<void> {
    clearTimeout(this.restartTimer);
    for (const d of this.disposables) d.dispose();
    const client = this.client;
    this.client = undefined;
    if (client) await client.stop(2000).catch(() => undefined);
  }
}

/**
 * Opens the Settings editor on `id`. In a remote window (SSH, containers, code-server) the server
 * settings are machine-scoped, so they live in the Remote tab, not in the User tab.
 */
export async function openSetting(id: string): Promise<void> {
  if (vscode.env.remoteName) {
    try {
      await vscode.commands.executeCommand('workbench.action.openRemoteSettings', { query: id });
      return;
    } catch {
      // an older VS Code without arguments for it: fall through
    }
  }
  await vscode.commands.executeCommand('workbench.action.openSettings', id);
}

export const OPEN_SETTINGS_ACTION = (): string => vscode.l10n.t('Open Settings');
export const SHOW_LOG_ACTION = (): string => vscode.l10n.t('Show Log');
export const RESTART_ACTION = (): string => vscode.l10n.t('Restart Server');
export const COPY_COMMAND_ACTION = (): string => vscode.l10n.t('Copy Install Command');

/** This extension's version: the server release it goes with (the same number). */
function extensionVersion(): string {
  return (vscode.extensions.getExtension('arama.arama')?.packageJSON as { version?: string } | undefined)?.version ?? '0.1.0';
}

/** A failed request's message, or undefined when the request was cancelled. */
export function requestErrorMessage(err: unknown): string | undefined {
  const error = err as { code?: number; message?: string; name?: string } | undefined;
  if (error?.code === -32800 || error?.name === 'Canceled' || error?.name === 'CancellationError') return undefined;
  if (error?.code === -32601 || /Command name .* is not defined|unknown command/i.test(error?.message ?? '')) {
    return vscode.l10n.t('This Arama server does not support this command yet; please update arama.');
  }
  return error?.message ?? String(err);
}
