#!/usr/bin/env node
// End-to-end test of the packaged extension in the real VS Code workbench: code-server (VS Code in
// the browser) with dist/arama.vsix installed and the real arama-ls, driven by playwright-core in
// headless Chromium. Run scripts/setup-e2e.sh first (it installs the tools and builds the .vsix).
//
// Environment:
//   ARAMA_LS             the arama-ls executable (required)
//   ARAMA_E2E_TOOLS      the tool directory of setup-e2e.sh (default ~/.cache/arama-e2e)
//   ARAMA_E2E_ARTIFACTS  where screenshots and logs go (default: a new temporary directory)
//   ARAMA_E2E_FIXTURE    the workspace to copy and open (default tests/fixtures/workspace)
//   ARAMA_E2E_ONLY       comma-separated step names to run (default: all)
//   ARAMA_E2E_SKIP_EN, ARAMA_E2E_SKIP_TR, ARAMA_E2E_SKIP_MCP   skip a session
//   PYTHONPATH           passed on to code-server, so arama-ls runs the sources under test
//   ARAMA_E2E_KEEP       keep the temporary directory (user data, workspace copy) after success
//   CHROMIUM             the browser (default /usr/bin/chromium)
//
// Three sessions, each its own code-server: English (status bar ready; Search Workspace with a
// natural-language query, Enter opens retry.py at retry_request with the chunk selected; Find
// Related Code; `#findUserByEmail` in quick open = workspace/symbol; Search Selection and the mode
// button; filters typed in the search box (kind:, content:, /x) applied by the server; Reindex;
// Show Statistics = a webview with an SVG bar chart; the status dialog from the status bar; a
// wrong arama.server.path gives a message whose button opens the setting) and
// Turkish (display language tr: Turkish status bar, command title, picker, server error message
// through the LSP locale, a Turkish query finding a function in çalışma_dosyası.py, status dialog)
// and MCP (chat features on: "MCP: List Servers" lists the extension's "Arama" definition, "Start
// Server" runs `arama mcp` on the folder, VS Code's output says "Discovered 4 tools" with the
// connection running, and the server opened its own replica of the language server's index).
//
// Every step leaves a screenshot NN-step.png in the artifacts directory; a failure leaves
// failure.png and the quick input's text; each session leaves code-server's output, the extension
// host log and the Arama log (client log plus the server's stderr). The last line of stdout is a
// JSON summary.

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir, homedir, arch } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const EXT_ROOT = resolve(HERE, '..', '..');
const REPO_ROOT = resolve(EXT_ROOT, '..', '..');
const require = createRequire(join(EXT_ROOT, 'package.json'));
const { chromium } = require('playwright-core');

const NODE_VERSION = '24.21.0';
const CODE_SERVER_VERSION = '4.139.1';
const TOOLS = process.env.ARAMA_E2E_TOOLS || join(homedir(), '.cache', 'arama-e2e');
const NODE_ARCH = arch() === 'arm64' ? 'arm64' : 'x64';
const NODE24 = join(TOOLS, `node-${NODE_VERSION}`, 'node_modules', 'node', 'node_modules', `node-linux-${NODE_ARCH}`, 'bin', 'node');
const CODE_SERVER = join(TOOLS, `code-server-${CODE_SERVER_VERSION}`, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const VSIX = process.env.ARAMA_E2E_VSIX || join(EXT_ROOT, 'dist', 'arama.vsix');
// A display-language stub for Turkish (test/e2e/language-pack-tr): VS Code only switches its
// display language, and so vscode.env.language, to one that an installed language pack declares.
const LANGUAGE_PACK_TR = join(EXT_ROOT, 'dist', 'language-pack-tr.vsix');
const FIXTURE = process.env.ARAMA_E2E_FIXTURE || join(REPO_ROOT, 'tests', 'fixtures', 'workspace');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARAMA_LS = process.env.ARAMA_LS;
const ONLY = new Set((process.env.ARAMA_E2E_ONLY || '').split(',').filter(Boolean));

// PATH for code-server without any directory holding an arama-ls: the extension finds the server
// only where a session puts it (a setting, or the pipx folder of the Turkish session), and the
// English session can show the "not found anywhere" message.
const PATH_WITHOUT_ARAMA = (process.env.PATH || '')
  .split(':')
  .filter((dir) => dir && !existsSync(join(dir, 'arama-ls')))
  .join(':');

const started = Date.now();
const log = (...args) => console.log(`[e2e +${((Date.now() - started) / 1000).toFixed(1)}s]`, ...args);

function fail(message) {
  throw new Error(message);
}

for (const [what, file] of [['Node 24', NODE24], ['code-server', CODE_SERVER], ['the .vsix', VSIX], ['the Turkish language pack stub', LANGUAGE_PACK_TR], ['Chromium', CHROMIUM], ['the fixture', FIXTURE]]) {
  if (!existsSync(file)) fail(`${what} not found at ${file}: run scripts/setup-e2e.sh first`);
}
if (!ARAMA_LS || !existsSync(ARAMA_LS)) fail(`ARAMA_LS must name the arama-ls executable (got ${ARAMA_LS})`);

const ROOT = mkdtempSync(join(tmpdir(), 'arama-vscode-e2e-'));
const ARTIFACTS = process.env.ARAMA_E2E_ARTIFACTS || join(ROOT, 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A private code-server: its own HOME, XDG dirs, user data, extensions and arama cache. */
class CodeServer {
  constructor(name, { locale } = {}) {
    this.name = name;
    this.locale = locale;
    this.dir = join(ROOT, name);
    this.home = join(this.dir, 'home');
    this.userData = join(this.dir, 'user-data');
    this.extensions = join(this.dir, 'extensions');
    // One arama cache for all sessions: the second session finds the index and the embeddings.
    this.cacheDir = join(ROOT, 'arama-cache');
    this.output = [];
    for (const d of [this.home, this.userData, this.extensions, this.cacheDir]) mkdirSync(d, { recursive: true });
    for (const x of ['config', 'data', 'cache', 'state']) mkdirSync(join(this.home, `xdg-${x}`), { recursive: true });
  }

  env() {
    return {
      PATH: `${dirname(NODE24)}:${PATH_WITHOUT_ARAMA}`,
      HOME: this.home,
      XDG_CONFIG_HOME: join(this.home, 'xdg-config'),
      XDG_DATA_HOME: join(this.home, 'xdg-data'),
      XDG_CACHE_HOME: join(this.home, 'xdg-cache'),
      XDG_STATE_HOME: join(this.home, 'xdg-state'),
      LANG: 'C.UTF-8',
      // The model ships inside a Python package: never look for it online.
      HF_HUB_OFFLINE: '1',
      TRANSFORMERS_OFFLINE: '1',
      TMPDIR: process.env.TMPDIR || '/tmp',
      // The sources under test (a worktree's server/ before the editable install's).
      ...(process.env.PYTHONPATH ? { PYTHONPATH: process.env.PYTHONPATH } : {}),
    };
  }

  baseArgs() {
    return ['--user-data-dir', this.userData, '--extensions-dir', this.extensions, '--config', join(this.dir, 'config.yaml')];
  }

  installExtension(vsix) {
    const result = spawnSync(NODE24, [CODE_SERVER, ...this.baseArgs(), '--install-extension', vsix, '--force'], {
      env: this.env(),
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (result.status !== 0 || !/successfully installed/i.test(result.stdout)) {
      fail(`installing ${vsix} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
    }
  }

  /**
   * VS Code writes user-data/languagepacks.json when a language pack is installed from its UI,
   * but not from `--install-extension`; it decides the display language from that file at page
   * load. Write it the way VS Code does (LanguagePacksCache) for the installed packs.
   */
  registerLanguagePacks() {
    const packs = {};
    for (const entry of readdirSync(this.extensions)) {
      const manifestFile = join(this.extensions, entry, 'package.json');
      if (!existsSync(manifestFile)) continue;
      const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
      const id = `${manifest.publisher}.${manifest.name}`;
      for (const localization of manifest.contributes?.localizations ?? []) {
        const pack = (packs[localization.languageId] ??= {
          hash: '',
          extensions: [],
          translations: {},
          label: localization.localizedLanguageName ?? localization.languageName,
        });
        pack.extensions.push({ extensionIdentifier: { id }, version: manifest.version });
        for (const t of localization.translations) pack.translations[t.id] = join(this.extensions, entry, t.path);
      }
    }
    for (const pack of Object.values(packs)) {
      const md5 = createHash('md5');
      for (const e of pack.extensions) md5.update(e.extensionIdentifier.id).update(e.version);
      pack.hash = md5.digest('hex');
    }
    writeFileSync(join(this.userData, 'languagepacks.json'), JSON.stringify(packs));
  }

  writeSettings(settings) {
    // code-server is a remote window: machine-scoped settings (arama.server.path, arama.cacheDir)
    // are read from the Machine settings, the rest from the User settings.
    for (const scope of ['User', 'Machine']) {
      const dir = join(this.userData, scope);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'settings.json'), JSON.stringify(settings, null, 2));
    }
  }

  async start(folder) {
    this.port = await freePort();
    writeFileSync(join(this.dir, 'config.yaml'), 'auth: none\ncert: false\n');
    const args = [
      CODE_SERVER,
      ...this.baseArgs(),
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${this.port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
    ];
    if (this.locale) args.push('--locale', this.locale);
    args.push(folder);
    this.process = spawn(NODE24, args, { env: this.env(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const keep = (chunk) => {
      this.output.push(chunk.toString());
      if (this.output.length > 2000) this.output.splice(0, 1000);
    };
    this.process.stdout.on('data', keep);
    this.process.stderr.on('data', keep);
    this.url = `http://127.0.0.1:${this.port}`;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (this.process.exitCode !== null) fail(`code-server exited (${this.process.exitCode}):\n${this.output.join('')}`);
      try {
        const response = await fetch(`${this.url}/healthz`);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(250);
    }
    fail(`code-server did not answer on ${this.url}/healthz within 60 s:\n${this.output.join('')}`);
  }

  async stop() {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    // code-server, its extension host and arama-ls share the process group started above.
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    for (let i = 0; i < 50 && child.exitCode === null; i++) await sleep(100);
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  /** Log files under user-data/logs whose name matches `pattern`. */
  logFiles(pattern) {
    const found = [];
    const walk = (dir) => {
      let entries = [];
      try {
        entries = readdirSync(dir);
      } catch {
        return;
      }
      for (const entry of entries.sort()) {
        const full = join(dir, entry);
        if (statSync(full).isDirectory()) walk(full);
        else if (pattern.test(full.slice(this.userData.length))) found.push(full);
      }
    };
    walk(join(this.userData, 'logs'));
    return found;
  }

  /**
   * Keeps code-server's output, the Arama output channel (client log and the server's stderr)
   * and the extension host log as artifacts.
   */
  saveLogs(prefix) {
    writeFileSync(join(ARTIFACTS, `${prefix}code-server.log`), this.output.join(''));
    const keep = [
      [/\/arama\.arama\/[^/]*\.log$/, 'Arama'],
      [/mcp[^/]*\.log$/i, 'mcp'],
      [/\/remoteexthost\.log$/, 'exthost'],
    ];
    for (const [pattern, name] of keep) {
      this.logFiles(pattern).forEach((file, i) => cpSync(file, join(ARTIFACTS, `${prefix}${name}${i ? `-${i}` : ''}.log`)));
    }
  }
}

let screenshots = 0;

/** The workbench in the browser, with the few gestures the steps need. */
class Workbench {
  constructor(page) {
    this.page = page;
  }

  quickInput() {
    return this.page.locator('.quick-input-widget');
  }

  rows() {
    return this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
  }

  async screenshot(name) {
    screenshots += 1;
    const file = join(ARTIFACTS, `${String(screenshots).padStart(2, '0')}-${name}.png`);
    await this.page.screenshot({ path: file }).catch(() => undefined);
    return file;
  }

  async waitForWorkbench() {
    await this.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await this.page.locator('.statusbar').waitFor({ timeout: 60_000 });
  }

  async statusItem(pattern, timeout) {
    const item = this.page.locator('.statusbar-item', { hasText: pattern }).first();
    await item.waitFor({ timeout });
    return item;
  }

  /** Waits for the status bar item to say ready; fails early on an Arama error notification. */
  async waitForReady(pattern, timeout) {
    const deadline = Date.now() + timeout;
    const ready = this.page.locator('.statusbar-item', { hasText: pattern }).first();
    const error = this.page.locator('.notification-toast', { hasText: /Arama/ }).filter({ has: this.page.locator('.codicon-error') });
    let lastText = '';
    this.seenStatus = [];
    while (Date.now() < deadline) {
      if (await ready.isVisible().catch(() => false)) return (await ready.innerText()).trim();
      if (await error.count().catch(() => 0)) fail(`Arama reported an error: ${await error.first().innerText()}`);
      lastText = (await this.page.locator('.statusbar-item', { hasText: /Arama/ }).first().innerText().catch(() => lastText)).trim();
      if (lastText && this.seenStatus.at(-1) !== lastText) this.seenStatus.push(lastText);
      await sleep(250);
    }
    fail(`the status bar did not show ready within ${timeout} ms; it says "${lastText}"`);
  }

  async closeQuickInput() {
    if (await this.quickInput().isVisible()) {
      await this.page.keyboard.press('Escape');
      await this.quickInput().waitFor({ state: 'hidden', timeout: 5000 }).catch(() => undefined);
    }
  }

  /** Runs a palette command by its exact title, retrying while the extension host registers it. */
  async runCommand(title, { timeout = 30_000 } = {}) {
    const deadline = Date.now() + timeout;
    let lastText = '';
    while (Date.now() < deadline) {
      await this.closeQuickInput();
      await this.page.keyboard.press('F1');
      const input = this.quickInput().locator('input');
      await input.waitFor({ timeout: 10_000 });
      await input.fill(`>${title}`);
      const row = this.rows().filter({ has: this.page.locator('.label-name', { hasText: exactText(title) }) }).first();
      try {
        await row.waitFor({ timeout: 3000 });
        await row.click();
        return;
      } catch {
        lastText = await this.quickInput().innerText().catch(() => '');
      }
      await sleep(1000);
    }
    fail(`palette command "${title}" not found within ${timeout} ms; palette said: ${lastText}`);
  }

  /** Waits until the quick input shows a title matching `pattern` (the extension's picker is up). */
  async waitForTitle(pattern, timeout = 10_000) {
    const title = this.quickInput().locator('.quick-input-title', { hasText: pattern });
    await title.waitFor({ timeout }).catch(async () =>
      fail(`no quick input titled ${pattern}; it shows: ${await this.quickInputText()}`),
    );
  }

  async quickInputText() {
    return this.quickInput().innerText().catch(() => '');
  }

  async rowTexts() {
    return this.rows().evaluateAll((rows) =>
      rows
        .map((r) => ({ index: Number(r.getAttribute('data-index')), text: r.innerText.replace(/\s+/g, ' ').trim(), aria: r.getAttribute('aria-label') || '' }))
        .sort((a, b) => a.index - b.index),
    );
  }

  async activeTabTitle() {
    return this.page.locator('.tabs-container .tab.active').first().innerText().catch(() => '');
  }

  async waitForActiveTab(pattern, timeout = 15_000) {
    const tab = this.page.locator('.tabs-container .tab.active', { hasText: pattern }).first();
    await tab.waitFor({ timeout });
    return (await tab.innerText()).trim();
  }

  /** The frame of the Arama view's search box (a webview view nested in iframes). */
  async searchBoxFrame(timeout = 20_000) {
    const deadline = Date.now() + timeout;
    while (Date.now() < deadline) {
      for (const frame of this.page.frames()) {
        if (await frame.locator('#query').count().catch(() => 0)) return frame;
      }
      await sleep(250);
    }
    fail('the Arama search box (webview) did not appear');
  }

  /** The rows of the Arama results tree. */
  /** Rows of the Arama view's tree only: while another view (the Explorer) still fills the
   * sidebar, its rows must not pass for results. */
  resultRows() {
    return this.page.locator('.part.sidebar [id="workbench.view.extension.arama"] .monaco-list-row');
  }

  async resultRowTexts() {
    return this.resultRows().evaluateAll((rows) =>
      rows
        .map((r) => ({ index: Number(r.getAttribute('data-index')), text: r.innerText.replace(/\s+/g, ' ').trim(), aria: r.getAttribute('aria-label') || '' }))
        .sort((a, b) => a.index - b.index),
    );
  }

  /** The sidebar's text (the results view's message sits there). */
  async sidebarText() {
    return (await this.page.locator('.part.sidebar').innerText().catch(() => '')).replace(/\s+/g, ' ');
  }

  /** "Ln 12, Col 1 (230 selected)" from the status bar. */
  async cursorStatus(timeout = 10_000) {
    const item = this.page.locator('.statusbar-item', { hasText: /Ln \d+, Col \d+|Sat \d+, Süt \d+/ }).first();
    await item.waitFor({ timeout });
    return (await item.innerText()).trim();
  }
}

function exactText(text) {
  return new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
}

function lineOf(file, pattern) {
  const lines = readFileSync(file, 'utf8').split('\n');
  const index = lines.findIndex((l) => pattern.test(l));
  return index === -1 ? undefined : index + 1;
}

const BROWSER_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

async function openWorkbench(server, folder, { locale = 'en-US' } = {}) {
  const profile = join(server.dir, 'browser');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...BROWSER_ARGS, `--lang=${locale}`],
    locale,
    viewport: { width: 1400, height: 900 },
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(20_000);
  await page.goto(`${server.url}/?folder=${encodeURIComponent(folder)}`);
  const bench = new Workbench(page);
  await bench.waitForWorkbench();
  return { context, page, bench };
}

function settingsFor(server) {
  return {
    'arama.server.path': ARAMA_LS,
    'arama.cacheDir': server.cacheDir,
    'arama.threads': 2,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'security.workspace.trust.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'extensions.ignoreRecommendations': true,
    'chat.disableAIFeatures': true,
    'chat.commandCenter.enabled': false,
    'git.enabled': false,
    'editor.minimap.enabled': false,
    'workbench.editor.enablePreview': false,
  };
}

// ---------------------------------------------------------------------------------------------
// The steps. Each gets the workbench; a thrown error fails the run.

const results = [];

async function step(bench, name, body) {
  if (ONLY.size && !ONLY.has(name)) {
    results.push({ name, status: 'skipped' });
    return;
  }
  const t0 = Date.now();
  log(`step ${name}`);
  try {
    const detail = await body();
    await sleep(500); // let the quick input fade out before the picture
    const shot = await bench.screenshot(name);
    results.push({ name, status: 'passed', seconds: (Date.now() - t0) / 1000, detail, screenshot: shot });
    log(`  ok (${((Date.now() - t0) / 1000).toFixed(1)} s)${detail ? `: ${JSON.stringify(detail)}` : ''}`);
  } catch (err) {
    results.push({ name, status: 'failed', seconds: (Date.now() - t0) / 1000, error: String(err?.stack || err) });
    throw err;
  }
}

async function englishSession(workspace) {
  const server = new CodeServer('en');
  server.installExtension(VSIX);
  server.writeSettings(settingsFor(server));
  await server.start(workspace);
  log(`code-server (en) on ${server.url}`);
  let browser;
  try {
    browser = await openWorkbench(server, workspace);
    const { bench, page } = browser;

    await step(bench, 'indexing-hint', async () => {
      // Search while the server is still indexing (this session starts with an empty cache, so
      // loading the model and embedding take seconds): the answer says `indexing: true`, and the
      // picker's title warns that results may be incomplete.
      await bench.runCommand('Arama: Search Workspace', { timeout: 60_000 });
      await bench.waitForTitle(/Arama: Search Workspace/);
      await bench.quickInput().locator('input').fill('retry');
      const hint = bench.quickInput().locator('.quick-input-title', { hasText: /Indexing — results may be incomplete/ });
      const rows = bench.rows().first();
      await Promise.race([hint.waitFor({ timeout: 60_000 }), rows.waitFor({ timeout: 60_000 })]);
      await sleep(300);
      const title = await bench.quickInput().locator('.quick-input-title').innerText();
      const first = (await bench.rowTexts())[0]?.text ?? '';
      if (!/retry/i.test(first)) fail(`a search at start-up got no results: ${first}`);
      const statusBar = (await bench.page.locator('.statusbar-item', { hasText: /Arama/ }).first().innerText()).trim();
      const observed = /Indexing — results may be incomplete/.test(title);
      if (!observed) fail(`no indexing hint in the title "${title}" (status bar: ${statusBar})`);
      await bench.screenshot('indexing-hint-title');
      const rowTexts = (await bench.rowTexts()).slice(0, 2);
      await page.keyboard.press('Escape');
      return { title, statusBar, first: rowTexts[0]?.text };
    });

    await step(bench, 'ready', async () => {
      const text = await bench.waitForReady(/Arama: [\d.,]+ chunks/, 90_000);
      const chunks = Number(text.replace(/\D/g, ''));
      if (!(chunks > 0)) fail(`status bar says ${text}`);
      // What the item said on the way (e.g. "Arama 45%"); timing-dependent, so only reported.
      return { statusBar: text, before: bench.seenStatus };
    });

    await step(bench, 'search', async () => {
      await bench.runCommand('Arama: Search Workspace');
      await bench.waitForTitle(/Arama: Search Workspace/);
      const input = bench.quickInput().locator('input');
      const placeholder = await input.getAttribute('placeholder');
      if (!/Describe the code you are looking for/.test(placeholder ?? '')) fail(`placeholder: ${placeholder}`);
      // Two bursts: the first one's search is answered or cancelled while the rest is typed.
      await input.pressSequentially('retry a failed', { delay: 15 });
      await sleep(250);
      await input.pressSequentially(' request with exponential backoff', { delay: 15 });
      await page.waitForFunction(
        () => {
          const row = document.querySelector('.quick-input-widget .quick-input-list .monaco-list-row[data-index="0"]');
          return row && /retry_request/.test(row.textContent || '');
        },
        undefined,
        { timeout: 20_000 },
      ).catch(async () => fail(`first result is not retry_request: ${JSON.stringify(await bench.rowTexts())}`));
      const rows = await bench.rowTexts();
      const top = rows[0].text;
      const where = /retry\.py:(\d+)/.exec(top);
      if (!where) fail(`first result does not point into retry.py: ${top}`);
      const title = await bench.quickInput().locator('.quick-input-title').innerText();
      await bench.screenshot('search-results');
      await page.keyboard.press('Enter');
      const tab = await bench.waitForActiveTab(/retry\.py/);
      const line = Number(where[1]);
      let cursor = await bench.cursorStatus();
      for (let i = 0; i < 25 && Number(/(?:Ln|Sat) (\d+)/.exec(cursor)?.[1]) !== line; i++) {
        await sleep(200);
        cursor = await bench.cursorStatus();
      }
      const ln = Number(/(?:Ln|Sat) (\d+)/.exec(cursor)?.[1]);
      if (ln !== line) fail(`editor cursor at "${cursor}", expected line ${line}`);
      if (!/selected|seçili/.test(cursor)) fail(`no selection after opening the result: "${cursor}"`);
      const defLine = lineOf(join(workspace, 'retry.py'), /def retry_request/);
      if (!(defLine >= line && defLine <= line + 3)) fail(`result line ${line} is not at def retry_request (line ${defLine})`);
      return { first: top, title, tab, cursor, results: rows.length };
    });

    await step(bench, 'related', async () => {
      // The cursor sits in retry_request since the search step (or open retry.py here).
      if (!/retry\.py/.test(await bench.activeTabTitle())) {
        await page.keyboard.press('Control+P');
        await bench.quickInput().locator('input').fill('retry.py');
        await bench.rows().filter({ hasText: 'retry.py' }).first().click();
        await bench.waitForActiveTab(/retry\.py/);
      }
      await bench.runCommand('Arama: Find Related Code');
      const title = bench.quickInput().locator('.quick-input-title');
      await page.waitForFunction(
        () => {
          const t = document.querySelector('.quick-input-widget .quick-input-title')?.textContent || '';
          const rows = document.querySelectorAll('.quick-input-widget .quick-input-list .monaco-list-row');
          return /Related to|ile İlgili/.test(t) || (rows.length > 0 && /error|does not support/i.test(rows[0].textContent || ''));
        },
        undefined,
        { timeout: 30_000 },
      );
      const titleText = await title.innerText();
      const rows = await bench.rowTexts();
      if (!/Related to retry_request/.test(titleText)) fail(`related picker title is "${titleText}"; rows ${JSON.stringify(rows)}`);
      if (!rows.length || !/\.(py|ts|go|rs|java|js|md):\d+/.test(rows[0].text)) fail(`no related code listed: ${JSON.stringify(rows)}`);
      await bench.screenshot('related-results');
      await page.keyboard.press('Escape');
      return { title: titleText, related: rows.slice(0, 5).map((r) => r.text) };
    });

    await step(bench, 'workspace-symbol', async () => {
      await bench.closeQuickInput();
      await page.keyboard.press('Control+P');
      const input = bench.quickInput().locator('input');
      await input.waitFor();
      await input.fill('#findUserByEmail');
      const row = bench.rows().filter({ hasText: 'findUserByEmail' }).first();
      await row.waitFor({ timeout: 20_000 }).catch(async () => fail(`no workspace symbol row: ${await bench.quickInputText()}`));
      const rows = await bench.rowTexts();
      await bench.screenshot('workspace-symbol-results');
      await row.click();
      const tab = await bench.waitForActiveTab(/UserRepository\.java/);
      return { first: rows[0]?.text, tab };
    });

    await step(bench, 'search-selection', async () => {
      // UserRepository.java is open since the previous step: select a word with the find widget.
      await bench.waitForActiveTab(/UserRepository\.java/);
      await page.keyboard.press('Control+F');
      const find = page.locator('.find-widget textarea, .find-widget input').first();
      await find.waitFor();
      await find.fill('findUserByEmail');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Escape');
      await bench.runCommand('Arama: Search Selection');
      await bench.waitForTitle(/Arama: Search Workspace/);
      const value = await bench.quickInput().locator('input').inputValue();
      if (value !== 'findUserByEmail') fail(`the picker was opened with "${value}"`);
      await page.waitForFunction(
        () => {
          const row = document.querySelector('.quick-input-widget .quick-input-list .monaco-list-row[data-index="0"]');
          return row && /findUserByEmail/.test(row.textContent || '') && /UserRepository\.java:\d+/.test(row.textContent || '');
        },
        undefined,
        { timeout: 20_000 },
      ).catch(async () => fail(`first result is not findUserByEmail: ${JSON.stringify(await bench.rowTexts())}`));
      const first = (await bench.rowTexts())[0].text;
      await bench.screenshot('search-selection-results');
      // The title button switches the mode: the query gets the /l prefix and the title says so.
      await bench.quickInput().locator('[aria-label="Switch to Lexical search"]').first().click();
      await bench.waitForTitle(/· Lexical/);
      const lexicalValue = await bench.quickInput().locator('input').inputValue();
      if (lexicalValue !== '/l findUserByEmail') fail(`after the mode button the query is "${lexicalValue}"`);
      await page.waitForFunction(
        () => {
          const row = document.querySelector('.quick-input-widget .quick-input-list .monaco-list-row[data-index="0"]');
          return row && /findUserByEmail/.test(row.textContent || '');
        },
        undefined,
        { timeout: 20_000 },
      ).catch(async () => fail(`lexical search lost findUserByEmail: ${JSON.stringify(await bench.rowTexts())}`));
      await page.keyboard.press('Escape');
      return { value, first, lexicalValue };
    });

    await step(bench, 'search-filters', async () => {
      // Contract v2 filters typed in the search box: only functions, only code, whole definitions;
      // then only documentation. The server applies them: every row is a function, then README.md.
      await bench.runCommand('Arama: Search Workspace');
      await bench.waitForTitle(/Arama: Search Workspace/);
      const input = bench.quickInput().locator('input');
      await input.fill('/x kind:function content:code retry a failed request');
      await bench.waitForTitle(/· Whole definitions · function · code/);
      await page.waitForFunction(
        () => {
          const row = document.querySelector('.quick-input-widget .quick-input-list .monaco-list-row[data-index="0"]');
          return row && /retry_request/.test(row.textContent || '');
        },
        undefined,
        { timeout: 20_000 },
      ).catch(async () => fail(`first function is not retry_request: ${JSON.stringify(await bench.rowTexts())}`));
      const kinds = await bench.rows().evaluateAll((rows) =>
        rows.map((r) => [...r.querySelectorAll('.codicon')].map((c) => [...c.classList].find((k) => k.startsWith('codicon-symbol-') || k === 'codicon-file-code')).filter(Boolean)[0] || ''),
      );
      if (!kinds.length || kinds.some((k) => k !== 'codicon-symbol-function')) fail(`kind:function listed other kinds: ${JSON.stringify(kinds)} ${JSON.stringify(await bench.rowTexts())}`);
      const functionTitle = await bench.quickInput().locator('.quick-input-title').innerText();
      await bench.screenshot('search-filters-kind');
      await input.fill('content:docs fixture layout');
      await bench.waitForTitle(/· docs/);
      await page.waitForFunction(
        () => {
          const rows = [...document.querySelectorAll('.quick-input-widget .quick-input-list .monaco-list-row')];
          return rows.length > 0 && rows.every((row) => /README\.md:\d+/.test(row.textContent || ''));
        },
        undefined,
        { timeout: 20_000 },
      ).catch(async () => fail(`content:docs listed more than README.md: ${JSON.stringify(await bench.rowTexts())}`));
      const docs = (await bench.rowTexts()).map((r) => r.text);
      await page.keyboard.press('Escape');
      return { functionTitle, functions: kinds.length, docs };
    });

    await step(bench, 'reindex', async () => {
      await bench.runCommand('Arama: Reindex Workspace');
      const toast = page.locator('.notification-toast', { hasText: /Arama is reindexing the workspace \(\d+ files queued\)/ }).first();
      await toast.waitFor({ timeout: 15_000 }).catch(async () => fail(`no reindex notification: ${await page.locator('.notifications-toasts').innerText().catch(() => '')}`));
      const message = (await toast.locator('.notification-list-item-message').innerText()).trim();
      const text = await bench.waitForReady(/Arama: [\d.,]+ chunks/, 60_000);
      return { message, statusBar: text };
    });

    await step(bench, 'statistics', async () => {
      await bench.runCommand('Arama: Show Statistics');
      await bench.waitForActiveTab(/Arama Statistics/, 20_000);
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        for (const frame of page.frames()) {
          const bars = await frame.locator('svg.chart rect.bar').count().catch(() => 0);
          if (bars > 0) {
            const labels = await frame.locator('svg.chart text.label').allTextContents();
            const heading = await frame.locator('h1').textContent();
            const fillColor = await frame.locator('svg.chart rect.bar').first().evaluate((el) => getComputedStyle(el).fill);
            if (!labels.includes('python')) fail(`language chart lacks python: ${labels}`);
            return { heading, bars, labels, fill: fillColor };
          }
        }
        await sleep(500);
      }
      fail('no SVG bar chart in any webview frame');
    });

    await step(bench, 'status', async () => {
      const item = await bench.statusItem(/Arama: [\d.,]+ chunks/, 10_000);
      await item.click();
      const dialog = page.locator('.monaco-dialog-box');
      await dialog.waitFor({ timeout: 15_000 });
      const text = (await dialog.innerText()).replace(/\s+/g, ' ');
      if (!/Arama index: ready/.test(text) || !/Chunks: /.test(text) || !/Model: /.test(text)) fail(`status dialog says: ${text}`);
      await bench.screenshot('status-dialog');
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden', timeout: 5000 });
      return { dialog: text.slice(0, 200) };
    });

    await step(bench, 'results-view', async () => {
      // The activity bar's Arama view: type in its search box, the tree lists retry.py with the
      // matched line under it; a click opens the editor at that line.
      await bench.closeQuickInput();
      await bench.runCommand('Arama: Search in the Results View');
      const icon = page.locator('.activitybar .action-item a[aria-label^="Arama"]').first();
      await icon.waitFor({ timeout: 10_000 }).catch(() => fail('no Arama icon in the activity bar'));
      const frame = await bench.searchBoxFrame();
      const placeholder = await frame.locator('#query').getAttribute('placeholder');
      if (!/Describe the code you are looking for/.test(placeholder ?? '')) fail(`search box placeholder: ${placeholder}`);
      const modes = await frame.locator('#mode option').allTextContents();
      if (modes.join(',') !== 'Hybrid,Semantic,Lexical') fail(`mode control offers ${modes}`);
      await frame.locator('#query').fill('retry a failed request with exponential backoff');
      // A filter control: only functions.
      await frame.locator('#filters summary').click();
      await frame.locator('#kinds').fill('function');
      await frame.locator('#query').press('Enter');
      const defLine = lineOf(join(workspace, 'retry.py'), /def retry_request/);
      const match = bench.resultRows().filter({ hasText: /retry_request/ }).first();
      await match.waitFor({ timeout: 30_000 }).catch(async () => fail(`no retry_request row in the results tree: ${JSON.stringify(await bench.resultRowTexts())}`));
      const rows = await bench.resultRowTexts();
      const fileRow = rows.find((r) => /retry\.py/.test(r.text));
      if (!fileRow) fail(`no retry.py file row: ${JSON.stringify(rows)}`);
      const matchText = (await match.innerText()).replace(/\s+/g, ' ');
      const line = Number(/:(\d+)/.exec(matchText)?.[1]);
      if (!(defLine >= line && defLine <= line + 3)) fail(`tree row says line ${line}, def retry_request is at ${defLine}: ${matchText}`);
      if (!(fileRow.index < rows.find((r) => r.text === matchText.trim())?.index)) fail(`the match row is not under its file: ${JSON.stringify(rows)}`);
      const icons = await match.evaluate((row) => [...row.querySelectorAll('.codicon')].map((c) => c.className).join(' '));
      if (!/codicon-symbol-function/.test(icons)) fail(`the match row has no function icon: ${icons}`);
      let status = '';
      for (let i = 0; i < 40 && !/\d+ results in \d+ files/.test(status); i++) {
        status = await frame.locator('#status').innerText().catch(() => '');
        await sleep(250);
      }
      if (!/\d+ results in \d+ files/.test(status)) fail(`the search box status says "${status}"`);
      await bench.screenshot('results-view-tree');
      // Hover: the score.
      await match.hover();
      const hover = page.locator('.monaco-hover, .workbench-hover').filter({ hasText: /Score: \d/ }).first();
      await hover.waitFor({ timeout: 10_000 }).catch(() => fail('no score in the result hover'));
      const hoverText = (await hover.innerText()).replace(/\s+/g, ' ').slice(0, 160);
      await bench.screenshot('results-view-hover');
      await match.click();
      await bench.waitForActiveTab(/retry\.py/);
      let cursor = await bench.cursorStatus();
      for (let i = 0; i < 25 && Number(/Ln (\d+)/.exec(cursor)?.[1]) !== line; i++) {
        await sleep(200);
        cursor = await bench.cursorStatus();
      }
      if (Number(/Ln (\d+)/.exec(cursor)?.[1]) !== line) fail(`clicking the row put the cursor at "${cursor}", expected line ${line}`);
      return { rows: rows.slice(0, 6).map((r) => r.text), status, hover: hoverText, cursor };
    });

    await step(bench, 'results-context', async () => {
      // The row's context menu: Copy Path:Line, then Find Related Code (fills the tree).
      const match = bench.resultRows().filter({ hasText: /retry_request/ }).first();
      const line = Number(/:(\d+)/.exec((await match.innerText()).replace(/\s+/g, ' '))?.[1]);
      await match.click({ button: 'right' });
      const menu = page.locator('.context-view .monaco-menu, .monaco-menu-container').first();
      await menu.waitFor({ timeout: 10_000 }).catch(() => fail('no context menu on a result'));
      const items = (await menu.innerText()).replace(/\s+/g, ' ');
      for (const want of ['Find Related Code', 'Copy Path:Line', 'Reveal in Explorer']) {
        if (!items.includes(want)) fail(`the context menu lacks "${want}": ${items}`);
      }
      await bench.screenshot('results-context-menu');
      await menu.locator('.action-label', { hasText: 'Copy Path:Line' }).first().click();
      const copied = await bench.statusItem(/Copied retry\.py:\d+/, 10_000).catch(() => fail('no "Copied retry.py:N" in the status bar'));
      const copiedText = (await copied.innerText()).trim();
      if (copiedText !== `Copied retry.py:${line}`) fail(`status bar says "${copiedText}", expected line ${line}`);
      const clipboard = await page.evaluate(() => navigator.clipboard.readText()).catch((err) => `(unreadable: ${err})`);
      if (clipboard !== `retry.py:${line}`) fail(`the clipboard holds "${clipboard}"`);
      await sleep(500);
      await match.click({ button: 'right' });
      const related = page.locator('.context-view .action-label', { hasText: 'Find Related Code' }).first();
      await related.waitFor({ timeout: 10_000 });
      await sleep(300); // the menu animates in: a click during it is lost
      await related.click();
      if (await related.isVisible().catch(() => false)) await page.keyboard.press('Enter');
      let text = '';
      for (let i = 0; i < 80 && !/Related to retry_request · \d+ results/.test(text); i++) {
        text = await bench.sidebarText();
        await sleep(250);
      }
      if (!/Related to retry_request · \d+ results/.test(text)) fail(`the view does not show related code: ${text.slice(0, 300)}`);
      const relatedRows = (await bench.resultRowTexts()).map((r) => r.text);
      if (relatedRows.length < 2) fail(`related code tree: ${JSON.stringify(relatedRows)}`);
      await bench.screenshot('results-related');
      // Reveal in Explorer on a related line: the Explorer opens with its file selected.
      const firstMatch = bench.resultRows().nth(1);
      const fileOfMatch = (await bench.resultRows().first().innerText()).trim().split(/\s+/)[0];
      await sleep(300);
      await firstMatch.click({ button: 'right' });
      const reveal = page.locator('.context-view .action-label', { hasText: 'Reveal in Explorer' }).first();
      await reveal.waitFor({ timeout: 10_000 });
      await sleep(300);
      await reveal.click();
      if (await reveal.isVisible().catch(() => false)) await page.keyboard.press('Enter');
      const selected = page.locator('.explorer-folders-view .monaco-list-row[aria-selected="true"]', { hasText: fileOfMatch }).first();
      await selected.waitFor({ timeout: 10_000 }).catch(async () => fail(`the Explorer does not select ${fileOfMatch}: ${(await page.locator('.part.sidebar').innerText().catch(() => '')).slice(0, 300)}`));
      await bench.screenshot('results-reveal-in-explorer');
      return { menu: items, copied: clipboard, related: relatedRows.slice(0, 6), revealed: fileOfMatch };
    });

    await step(bench, 'results-kept', async () => {
      // Reload the window: the view shows the last results again without a search.
      await bench.runCommand('Arama: Search in the Results View');
      await bench.resultRows().first().waitFor({ timeout: 10_000 });
      await sleep(300);
      const before = (await bench.resultRowTexts()).map((r) => r.text);
      await page.reload();
      await bench.waitForWorkbench();
      await bench.runCommand('Arama: Search in the Results View', { timeout: 60_000 });
      const deadline = Date.now() + 20_000;
      let after = [];
      while (Date.now() < deadline) {
        after = (await bench.resultRowTexts()).map((r) => r.text);
        if (after.length >= before.length && before.length) break;
        await sleep(250);
      }
      if (JSON.stringify(after.slice(0, before.length)) !== JSON.stringify(before)) fail(`after a reload the tree shows ${JSON.stringify(after)}, before ${JSON.stringify(before)}`);
      const text = await bench.sidebarText();
      if (!/Related to retry_request/.test(text)) fail(`after a reload the view message is gone: ${text.slice(0, 200)}`);
      const frame = await bench.searchBoxFrame();
      const kinds = await frame.locator('#kinds').inputValue();
      if (kinds !== 'function') fail(`the search box lost its filter: kinds="${kinds}"`);
      await bench.waitForReady(/Arama: [\d.,]+ chunks/, 90_000);
      // Refresh (the view's title button) asks the server again: Find Related Code, as kept.
      const logged = () => server.logFiles(/\/arama\.arama\/[^/]*\.log$/).map((f) => readFileSync(f, 'utf8')).join('\n').split('results view: related to retry.py:').length - 1;
      const before_refresh = logged();
      // The view's title actions show while the pointer is over the view.
      await page.locator('.part.sidebar .pane-header', { hasText: /Results/i }).first().hover();
      await page.locator('.part.sidebar .action-label[aria-label="Refresh Results"]').first().click({ timeout: 5000 });
      for (let i = 0; i < 40 && logged() <= before_refresh; i++) await sleep(250);
      if (logged() <= before_refresh) fail('Refresh did not ask the server again');
      let refreshed = '';
      for (let i = 0; i < 80 && !/Related to retry_request · \d+ results/.test(refreshed); i++) {
        refreshed = await bench.sidebarText();
        await sleep(250);
      }
      if (!/Related to retry_request · \d+ results/.test(refreshed)) fail(`after Refresh the view says: ${refreshed.slice(0, 200)}`);
      return { rows: after.slice(0, 4), refreshed: true };
    });

    await step(bench, 'setting-problem', async () => {
      // A server option VS Code does not validate (settings.json): named in one warning.
      server.writeSettings({ ...settingsFor(server), 'arama.searchBudgetMs': 0 });
      const toast = page.locator('.notification-toast', { hasText: /arama\.searchBudgetMs/ }).first();
      await toast.waitFor({ timeout: 20_000 }).catch(async () => fail(`no warning about arama.searchBudgetMs: ${await page.locator('.notifications-toasts').innerText().catch(() => '')}`));
      const message = (await toast.locator('.notification-list-item-message').innerText()).trim();
      if (!message.includes('should be an integer from 1 to 600000, not 0')) fail(`message: ${message}`);
      await bench.screenshot('setting-problem');
      await toast.locator('.codicon-notifications-clear, .codicon-close').first().click().catch(() => undefined);
      return { message };
    });

    await step(bench, 'missing-server', async () => {
      // Point arama.server.path at nothing: the extension restarts the client, says what is
      // wrong, and its button opens the setting.
      server.writeSettings({ ...settingsFor(server), 'arama.server.path': join(ROOT, 'no-such-arama-ls') });
      const toast = page.locator('.notification-toast', { hasText: /was not found/ }).first();
      await toast.waitFor({ timeout: 20_000 });
      const message = (await toast.locator('.notification-list-item-message').innerText()).trim();
      if (!message.includes('arama.server.path') || !message.includes('no-such-arama-ls')) fail(`message: ${message}`);
      await bench.statusItem(/Arama/, 5000);
      await bench.screenshot('missing-server-message');
      await toast.getByRole('button', { name: 'Open Settings' }).click();
      // The Settings editor (a modal in recent VS Code), on the Remote tab: code-server is a
      // remote window, where machine-scoped settings live.
      const editor = page.locator('.settings-editor').first();
      await editor.waitFor({ timeout: 10_000 });
      const item = editor.locator('.setting-item-contents', { hasText: /Server: Path/ }).first();
      await item.waitFor({ timeout: 10_000 }).catch(async () => fail(`the settings editor does not show arama.server.path: ${(await editor.innerText()).slice(0, 300)}`));
      const value = await item.locator('input').first().inputValue().catch(() => '');
      if (!value.endsWith('no-such-arama-ls')) fail(`the setting shown holds "${value}"`);
      await bench.screenshot('missing-server-settings');
      await page.keyboard.press('Escape');
      return { message, settingShown: value };
    });

    await step(bench, 'missing-server-absent', async () => {
      // No setting, nothing on PATH, no pipx/uv install in this HOME, no .venv in the folder:
      // one message with the install command and a button that opens the setting.
      await bench.closeQuickInput();
      for (const toast of await page.locator('.notification-toast .codicon-notifications-clear, .notification-toast .codicon-close').all()) await toast.click().catch(() => undefined);
      server.writeSettings({ ...settingsFor(server), 'arama.server.path': '' });
      const toast = page.locator('.notification-toast', { hasText: /was not found \(on PATH/ }).first();
      await toast.waitFor({ timeout: 20_000 }).catch(async () => fail(`no "not found" message: ${await page.locator('.notifications-toasts').innerText().catch(() => '')}`));
      const message = (await toast.locator('.notification-list-item-message').innerText()).trim();
      if (!message.includes('pipx install dist/arama-0.1.0-py3-none-any.whl') || !message.includes('make dist')) fail(`message: ${message}`);
      const toasts = await page.locator('.notification-toast', { hasText: /Arama/ }).count();
      const buttons = await toast.locator('.monaco-button').allInnerTexts();
      if (!buttons.includes('Open Settings') || !buttons.includes('Copy Install Command')) fail(`buttons: ${buttons}`);
      await bench.screenshot('missing-server-absent');
      await toast.getByRole('button', { name: 'Open Settings' }).click();
      const editor = page.locator('.settings-editor').first();
      await editor.waitFor({ timeout: 10_000 });
      await editor.locator('.setting-item-contents', { hasText: /Server: Path/ }).first().waitFor({ timeout: 10_000 });
      const log = server.logFiles(/\/arama\.arama\/[^/]*\.log$/).map((f) => readFileSync(f, 'utf8')).join('\n');
      if (/\n\s+at /.test(message)) fail(`a stack trace in the message: ${message}`);
      await bench.screenshot('missing-server-absent-settings');
      await page.keyboard.press('Escape');
      return { message, buttons, toasts, logged: /was not found \(on PATH/.test(log) };
    });
  } catch (err) {
    if (browser) {
      await browser.page.screenshot({ path: join(ARTIFACTS, 'failure.png') }).catch(() => undefined);
      writeFileSync(join(ARTIFACTS, 'failure-quick-input.txt'), await browser.bench.quickInputText());
    }
    throw err;
  } finally {
    await browser?.context.close().catch(() => undefined);
    await server.stop();
    server.saveLogs('en-');
  }
}

async function turkishSession(workspace) {
  const server = new CodeServer('tr', { locale: 'tr' });
  server.installExtension(LANGUAGE_PACK_TR);
  server.installExtension(VSIX);
  server.registerLanguagePacks();
  // Zero-config discovery: no arama.server.path; arama-ls sits where pipx puts it (~/.local/bin).
  const { ['arama.server.path']: _unset, ...settings } = settingsFor(server);
  mkdirSync(join(server.home, '.local', 'bin'), { recursive: true });
  symlinkSync(ARAMA_LS, join(server.home, '.local', 'bin', 'arama-ls'));
  server.writeSettings(settings);
  await server.start(workspace);
  log(`code-server (tr) on ${server.url}`);
  let browser;
  try {
    browser = await openWorkbench(server, workspace, { locale: 'tr-TR' });
    const { bench, page } = browser;

    await step(bench, 'tr-ready', async () => {
      const text = await bench.waitForReady(/Arama: [\d.,]+ parça/, 90_000);
      const log = server.logFiles(/\/arama\.arama\/[^/]*\.log$/).map((f) => readFileSync(f, 'utf8')).join('\n');
      const started = /starting (\S+) \(from pipx\)/.exec(log);
      if (!started) fail(`the server was not found in the pipx folder: ${log.split('\n').filter((l) => /starting|not found/.test(l)).join(' | ')}`);
      return { statusBar: text, discovered: started[0] };
    });

    await step(bench, 'tr-search', async () => {
      await bench.runCommand('Arama: Çalışma Alanında Ara');
      await bench.waitForTitle(/Arama: Çalışma Alanında Ara/);
      const input = bench.quickInput().locator('input');
      const placeholder = (await input.getAttribute('placeholder')) || (await bench.quickInputText());
      if (!/Aradığınız kodu tarif edin/.test(placeholder)) fail(`placeholder is not Turkish: ${placeholder}`);
      // A wrong filter: the server's own error message comes back in Turkish (LSP locale).
      await input.fill('sıcaklık lang:klingon');
      const error = bench.rows().filter({ hasText: /bilinmeyen bir dil kimliği/ }).first();
      await error.waitFor({ timeout: 15_000 }).catch(async () => fail(`no Turkish server error: ${JSON.stringify(await bench.rowTexts())}`));
      const serverError = (await error.innerText()).trim();
      await bench.screenshot('tr-server-error');
      await input.fill('santigrat dereceyi fahrenhayta çevir');
      await page.waitForFunction(
        () => {
          const row = document.querySelector('.quick-input-widget .quick-input-list .monaco-list-row[data-index="0"]');
          return row && /sıcaklığı_dönüştür/.test(row.textContent || '');
        },
        undefined,
        { timeout: 20_000 },
      ).catch(async () => fail(`first result is not sıcaklığı_dönüştür: ${JSON.stringify(await bench.rowTexts())}`));
      const top = (await bench.rowTexts())[0].text;
      const title = await bench.quickInput().locator('.quick-input-title').innerText();
      if (!/Çalışma Alanında Ara · Karma/.test(title)) fail(`title is not Turkish: ${title}`);
      await bench.screenshot('tr-search-results');
      await page.keyboard.press('Enter');
      const tab = await bench.waitForActiveTab(/çalışma_dosyası\.py/);
      return { placeholder, serverError, first: top, title, tab };
    });

    await step(bench, 'tr-results-view', async () => {
      // The results view in Turkish: labels, a Turkish query, the tree and its message.
      await bench.closeQuickInput();
      await bench.runCommand('Arama: Sonuç Görünümünde Ara');
      const frame = await bench.searchBoxFrame();
      const placeholder = await frame.locator('#query').getAttribute('placeholder');
      const button = (await frame.locator('#search').innerText()).trim();
      const modes = await frame.locator('#mode option').allTextContents();
      if (placeholder !== 'Aradığınız kodu tarif edin' || button !== 'Ara' || modes.join(',') !== 'Karma,Anlamsal,Sözcüksel') {
        fail(`the search box is not Turkish: ${placeholder} / ${button} / ${modes}`);
      }
      const headers = (await page.locator('.part.sidebar .pane-header').allInnerTexts()).join(' | ');
      if (!/SONUÇLAR|Sonuçlar/.test(headers)) fail(`view headers: ${headers}`);
      await frame.locator('#query').fill('santigrat dereceyi fahrenhayta çevir');
      await frame.locator('#search').click();
      const match = bench.resultRows().filter({ hasText: /sıcaklığı_dönüştür/ }).first();
      await match.waitFor({ timeout: 30_000 }).catch(async () => fail(`no sıcaklığı_dönüştür row: ${JSON.stringify(await bench.resultRowTexts())}`));
      const rows = (await bench.resultRowTexts()).map((r) => r.text);
      if (!rows.some((r) => /çalışma_dosyası\.py/.test(r))) fail(`no çalışma_dosyası.py file row: ${JSON.stringify(rows)}`);
      let status = '';
      for (let i = 0; i < 40 && !/\d+ dosyada \d+ sonuç/.test(status); i++) {
        status = await frame.locator('#status').innerText().catch(() => '');
        await sleep(250);
      }
      if (!/\d+ dosyada \d+ sonuç/.test(status)) fail(`the status is not Turkish: "${status}"`);
      await match.click({ button: 'right' });
      const menu = page.locator('.context-view .monaco-menu, .monaco-menu-container').first();
      await menu.waitFor({ timeout: 10_000 });
      const items = (await menu.innerText()).replace(/\s+/g, ' ');
      for (const want of ['İlgili Kodu Bul', 'Yol:Satır Kopyala', 'Gezginde Göster']) {
        if (!items.includes(want)) fail(`the context menu lacks "${want}": ${items}`);
      }
      await bench.screenshot('tr-results-context-menu');
      await page.keyboard.press('Escape');
      await match.click();
      const tab = await bench.waitForActiveTab(/çalışma_dosyası\.py/);
      return { placeholder, button, modes, headers, status, menu: items, rows: rows.slice(0, 4), tab };
    });

    await step(bench, 'tr-status', async () => {
      const item = await bench.statusItem(/Arama: [\d.,]+ parça/, 10_000);
      await item.click();
      const dialog = page.locator('.monaco-dialog-box');
      await dialog.waitFor({ timeout: 15_000 });
      const text = (await dialog.innerText()).replace(/\s+/g, ' ');
      if (!/Arama dizini: hazır/.test(text) || !/Parçalar: /.test(text)) fail(`status dialog says: ${text}`);
      await bench.screenshot('tr-status-dialog');
      await page.keyboard.press('Escape');
      return { dialog: text.slice(0, 120) };
    });
  } catch (err) {
    if (browser) {
      await browser.page.screenshot({ path: join(ARTIFACTS, 'failure.png') }).catch(() => undefined);
      writeFileSync(join(ARTIFACTS, 'failure-quick-input.txt'), await browser.bench.quickInputText());
    }
    throw err;
  } finally {
    await browser?.context.close().catch(() => undefined);
    await server.stop();
    server.saveLogs('tr-');
  }
}

/**
 * VS Code's MCP support finds arama with no mcp.json: the extension's server definition provider
 * offers "Arama" (arama mcp over the open folder), and starting it from "MCP: List Servers"
 * gives a working server: VS Code lists its four tools (in the server's output log), and the
 * server opened its own replica of the folder's index beside the language server's (one writer
 * per index directory). Chat/AI features are on in this session only: the MCP commands live there.
 */
async function mcpSession(workspace) {
  const server = new CodeServer('mcp');
  server.installExtension(VSIX);
  server.writeSettings({ ...settingsFor(server), 'chat.disableAIFeatures': false });
  await server.start(workspace);
  log(`code-server (mcp) on ${server.url}`);
  let browser;
  try {
    browser = await openWorkbench(server, workspace);
    const { bench, page } = browser;

    await step(bench, 'mcp-ready', async () => {
      const text = await bench.waitForReady(/Arama: [\d.,]+ chunks/, 90_000);
      return { statusBar: text };
    });

    await step(bench, 'mcp-provider', async () => {
      const registered = server.logFiles(/\/arama\.arama\/[^/]*\.log$/).some((f) => /MCP server definition provider registered/.test(readFileSync(f, 'utf8')));
      if (!registered) fail('the extension did not register its MCP server definition provider');
      await bench.runCommand('MCP: List Servers', { timeout: 60_000 });
      const row = bench.rows().filter({ hasText: /Arama/ }).first();
      await row.waitFor({ timeout: 20_000 }).catch(async () => fail(`"Arama" is not among the MCP servers: ${JSON.stringify(await bench.rowTexts())}`));
      const listed = await bench.rowTexts();
      await bench.screenshot('mcp-list-servers');
      await row.click();
      const start = bench.rows().filter({ hasText: /Start Server/ }).first();
      await start.waitFor({ timeout: 10_000 }).catch(async () => fail(`no "Start Server" action: ${JSON.stringify(await bench.rowTexts())}`));
      const actions = await bench.rowTexts();
      await start.click();
      // VS Code shows the server's output channel ("MCP: Arama"; in code-server it lives in the
      // browser, not in the log files): it says how many tools it found once tools/list answered.
      // (Monaco renders spaces as no-break spaces: match any white space.)
      const deadline = Date.now() + 120_000;
      let channel = '';
      let toolsLine = '';
      while (Date.now() < deadline && !toolsLine) {
        channel = await page.locator('.panel').first().innerText().catch(() => '');
        toolsLine = channel.match(/Discovered[\s\u00a0]+\d+[\s\u00a0]+tools/)?.[0] ?? '';
        if (!toolsLine) await sleep(500);
      }
      if (!toolsLine) fail(`VS Code did not report the server's tools; the panel shows: ${channel.slice(-600)}`);
      if (!/Discovered[\s\u00a0]+4[\s\u00a0]+tools/.test(toolsLine)) fail(`VS Code found other tools: ${toolsLine}`);
      if (!/Connection[\s\u00a0]+state:[\s\u00a0]+Running/.test(channel)) fail(`the server is not running: ${channel.slice(-600)}`);
      await bench.screenshot('mcp-server-output');
      const replicas = readdirSync(join(server.cacheDir, 'workspaces')).filter((d) => d.endsWith('~2'));
      if (replicas.length === 0) fail('arama mcp did not open its own replica of the index');
      return { listed: listed.map((r) => r.text).slice(0, 5), actions: actions.map((r) => r.text).slice(0, 6), toolsLine, replicas };
    });
  } catch (err) {
    if (browser) {
      await browser.page.screenshot({ path: join(ARTIFACTS, 'failure.png') }).catch(() => undefined);
      writeFileSync(join(ARTIFACTS, 'failure-quick-input.txt'), await browser.bench.quickInputText());
    }
    throw err;
  } finally {
    await browser?.context.close().catch(() => undefined);
    await server.stop();
    server.saveLogs('mcp-');
  }
}

async function main() {
  const workspace = join(ROOT, 'workspace');
  cpSync(FIXTURE, workspace, { recursive: true });
  log(`artifacts in ${ARTIFACTS}`);
  let ok = false;
  try {
    if (!process.env.ARAMA_E2E_SKIP_EN) await englishSession(workspace);
    if (!process.env.ARAMA_E2E_SKIP_TR) await turkishSession(workspace);
    if (!process.env.ARAMA_E2E_SKIP_MCP) await mcpSession(workspace);
    ok = true;
  } catch (err) {
    console.error(`E2E FAILED: ${err?.stack || err}`);
  } finally {
    const summary = { ok, seconds: (Date.now() - started) / 1000, artifacts: ARTIFACTS, steps: results };
    writeFileSync(join(ARTIFACTS, 'summary.json'), JSON.stringify(summary, null, 2));
    if (ok && !process.env.ARAMA_E2E_KEEP) {
      for (const entry of readdirSync(ROOT)) {
        if (join(ROOT, entry) !== ARTIFACTS) rmSync(join(ROOT, entry), { recursive: true, force: true });
      }
      if (!ARTIFACTS.startsWith(ROOT)) rmSync(ROOT, { recursive: true, force: true });
    }
    console.log(JSON.stringify(summary));
  }
  process.exit(ok ? 0 : 1);
}

await main();
