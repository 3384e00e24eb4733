/**
 * The results view's search box (a webview view above the results tree), built by a pure
 * function: a form with the query, the mode and the filters the server takes (language, path
 * globs, kinds, content, whole definitions), and a status line. Its one nonce-tagged script posts
 * the form to the extension on Enter or on the Search button, and shows the state it is sent.
 * A strict Content-Security-Policy allows nothing else.
 */

import type { SearchForm } from './resultsModel';

export interface SearchFormStrings {
  query: string;
  placeholder: string;
  search: string;
  mode: string;
  hybrid: string;
  semantic: string;
  lexical: string;
  languages: string;
  languagesPlaceholder: string;
  paths: string;
  pathsPlaceholder: string;
  exclude: string;
  excludePlaceholder: string;
  kinds: string;
  kindsPlaceholder: string;
  content: string;
  anyContent: string;
  code: string;
  tests: string;
  docs: string;
  expand: string;
  filters: string;
}

export interface SearchFormOptions {
  nonce: string;
  cspSource: string;
  locale: string;
  strings: SearchFormStrings;
  form: SearchForm;
  status: string;
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function option(value: string, label: string, selected: string): string {
  return `<option value="${escapeHtml(value)}"${value === selected ? ' selected' : ''}>${escapeHtml(label)}</option>`;
}

function textField(id: keyof SearchForm, label: string, placeholder: string, form: SearchForm): string {
  return `<label for="${id}">${escapeHtml(label)}</label>
<input id="${id}" name="${id}" type="text" spellcheck="false" placeholder="${escapeHtml(placeholder)}" value="${escapeHtml(String(form[id]))}">`;
}

export function renderSearchFormHtml(options: SearchFormOptions): string {
  const s = options.strings;
  const form = options.form;
  const filtersOpen = form.languages || form.paths || form.exclude || form.kinds || form.content || form.expand;
  return `<!DOCTYPE html>
<html lang="${escapeHtml(options.locale)}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${options.nonce}'; script-src 'nonce-${options.nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<style nonce="${options.nonce}">
  body { padding: 4px 8px; font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); }
  form { display: flex; flex-direction: column; gap: 4px; }
  .row { display: flex; gap: 4px; }
  input[type=text], select { box-sizing: border-box; width: 100%; padding: 3px 4px; color: var(--vscode-input-foreground);
    background: var(--vscode-input-background); border: 1px solid var(--vscode-input-border, transparent); font: inherit; }
  input[type=text]:focus, select:focus { outline: 1px solid var(--vscode-focusBorder); }
  button { padding: 3px 10px; color: var(--vscode-button-foreground); background: var(--vscode-button-background); border: none; font: inherit; cursor: pointer; }
  button:hover { background: var(--vscode-button-hoverBackground); }
  label { font-size: 0.9em; opacity: 0.85; }
  .inline { display: flex; align-items: center; gap: 4px; }
  details summary { cursor: pointer; font-size: 0.9em; opacity: 0.85; }
  details > div { display: flex; flex-direction: column; gap: 3px; margin-top: 4px; }
  #status { font-size: 0.9em; opacity: 0.85; min-height: 1.2em; }
</style>
</head>
<body>
<form id="form" autocomplete="off">
  <div class="row">
    <input id="query" name="query" type="text" spellcheck="false" aria-label="${escapeHtml(s.query)}"
      placeholder="${escapeHtml(s.placeholder)}" value="${escapeHtml(form.query)}">
    <button id="search" type="submit">${escapeHtml(s.search)}</button>
  </div>
  <div class="inline">
    <label for="mode">${escapeHtml(s.mode)}</label>
    <select id="mode" name="mode">
      ${option('hybrid', s.hybrid, form.mode)}${option('semantic', s.semantic, form.mode)}${option('lexical', s.lexical, form.mode)}
    </select>
  </div>
  <details id="filters"${filtersOpen ? ' open' : ''}>
    <summary>${escapeHtml(s.filters)}</summary>
    <div>
      ${textField('languages', s.languages, s.languagesPlaceholder, form)}
      ${textField('paths', s.paths, s.pathsPlaceholder, form)}
      ${textField('exclude', s.exclude, s.excludePlaceholder, form)}
      ${textField('kinds', s.kinds, s.kindsPlaceholder, form)}
      <label for="content">${escapeHtml(s.content)}</label>
      <select id="content" name="content">
        ${option('', s.anyContent, form.content)}${option('code', s.code, form.content)}${option('tests', s.tests, form.content)}${option('docs', s.docs, form.content)}
      </select>
      <span class="inline"><input id="expand" name="expand" type="checkbox"${form.expand ? ' checked' : ''}><label for="expand">${escapeHtml(s.expand)}</label></span>
    </div>
  </details>
  <div id="status" role="status">${escapeHtml(options.status)}</div>
</form>
<script nonce="${options.nonce}">
(function () {
  const vscode = acquireVsCodeApi();
  const form = document.getElementById('form');
  const fields = ['query', 'mode', 'languages', 'paths', 'exclude', 'kinds', 'content'];
  function read() {
    const out = {};
    for (const id of fields) out[id] = document.getElementById(id).value;
    out.expand = document.getElementById('expand').checked;
    return out;
  }
  function write(values) {
    for (const id of fields) if (typeof values[id] === 'string') document.getElementById(id).value = values[id];
    document.getElementById('expand').checked = values.expand === true;
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    vscode.postMessage({ type: 'search', form: read() });
  });
  for (const id of ['mode', 'content', 'expand']) {
    document.getElementById(id).addEventListener('change', () => {
      if (document.getElementById('query').value.trim()) vscode.postMessage({ type: 'search', form: read() });
    });
  }
  window.addEventListener('message', (event) => {
    const message = event.data || {};
    if (message.type === 'form' && message.form) write(message.form);
    if (typeof message.status === 'string') document.getElementById('status').textContent = message.status;
    if (message.focus) document.getElementById('query').focus();
  });
  vscode.postMessage({ type: 'ready' });
})();
</script>
</body>
</html>
`;
}
