--- arama: local semantic code search, as a Neovim language-server client.
---
--- `require('arama').setup()` registers the `arama-ls` server; everything else (`:Arama`,
--- `:checkhealth arama`, the statusline) is loaded on first use.
local M = {}

local api = vim.api

--- The LSP client name, also the `vim.lsp.config` name.
M.name = 'arama'

--- The server's `initializationOptions`; every field is optional (see |arama-option-init_options|).
---@class arama.InitOptions
---@field cacheDir? string embedding cache and indexes
---@field model? string a sentence-transformers model name or local path
---@field exclude? string[] extra gitignore-style globs to leave out
---@field maxFileSize? integer larger files are skipped (bytes)
---@field threads? integer threads for embedding
---@field embeddingBackend? 'onnx'|'onnx-int8'|'torch' how the model runs
---@field searchBudgetMs? integer 1..600000: a search still running then answers with what it has
---@field remoteCache? arama.RemoteCacheOptions the team-shared embedding cache (Redis or Valkey)

--- `init_options.remoteCache`; the server checks every field and logs what it refused.
---@class arama.RemoteCacheOptions
---@field url string redis://, rediss:// or unix:// (the password: in `passwordEnv`'s variable)
---@field mode? 'read'|'read-write' `read` (default) for editors; CI writes
---@field timeoutMs? integer 1..60000 (default 500): slower lookups embed locally
---@field verifyFraction? number 0..1 (default 0.01): share of remote hits checked locally
---@field ttlSeconds? integer lifetime of what `read-write` writes (default 30 days)
---@field passwordEnv? string environment variable holding the password

---@class arama.Config
---@field cmd string[]|fun(dispatchers: table): table command that starts the server (stdio)
---@field init_options arama.InitOptions `initializationOptions`
---@field root_markers string[] files or directories marking a workspace root
---@field locale string|nil message language (`en`, `tr`, `tr_TR.UTF-8` ...); nil: from the environment
---@field filetypes string[]|nil attach only to these filetypes; nil: every file buffer
---@field limit integer results per `:Arama search` / `:Arama pick` (1..200)
---@field related_limit integer results per `:Arama related` (1..200)
---@field expand boolean `:Arama search` / `:Arama pick` widen each hit to its whole definition
---@field picker 'auto'|'select'|'telescope'|'snacks' how `:Arama pick` shows results: `auto`
--- (default) uses Telescope or snacks.nvim with previews when installed, else |vim.ui.select()|

---@type arama.Config
local defaults = {
  cmd = { 'arama-ls' },
  init_options = {},
  root_markers = { '.git', '.aramaignore' },
  locale = nil,
  filetypes = nil,
  limit = 20,
  related_limit = 10,
  expand = false,
  picker = 'auto',
}

local KNOWN_OPTIONS = {
  'cmd',
  'init_options',
  'root_markers',
  'locale',
  'filetypes',
  'limit',
  'related_limit',
  'expand',
  'picker',
}

--- The `picker` option's values.
M.pickers = { 'auto', 'select', 'telescope', 'snacks' }

--- The configuration given to |arama.setup()|, nil before setup.
---@type arama.Config|nil
M.config = nil

--- Last known state per client id, for the statusline: { state, pct, files, chunks, model, error }.
---@type table<integer, table>
local client_state = {}

local function has_011()
  return vim.fn.has('nvim-0.11') == 1
end

local function t(key, vars)
  return require('arama.i18n').t(key, vars)
end

---@return arama.Config
function M.options()
  return M.config or vim.deepcopy(defaults)
end

---------------------------------------------------------------------------------------------
-- Option validation
---------------------------------------------------------------------------------------------

local function is_list(value)
  return type(value) == 'table' and (vim.islist or vim.tbl_islist)(value)
end

local function is_string_list(value, allow_empty)
  if not is_list(value) or (#value == 0 and not allow_empty) then
    return false
  end
  for _, item in ipairs(value) do
    if type(item) ~= 'string' or item == '' then
      return false
    end
  end
  return true
end

--- The server's `embeddingBackend` values.
M.embedding_backends = { 'onnx', 'onnx-int8', 'torch' }

--- The largest `searchBudgetMs` the server accepts.
local MAX_SEARCH_BUDGET_MS = 600000

local function is_integer(value, low, high)
  return type(value) == 'number'
    and value == math.floor(value)
    and value >= low
    and (high == nil or value <= high)
end

--- Checks one option with `vim.validate` (0.11 signature, also on 0.10); on failure raises a
--- localized "invalid option" error naming the option, what was expected and what was given.
---@param name string option name, e.g. `root_markers` or `init_options.threads`
---@param value any
---@param validator string|fun(value: any): boolean a type name or a predicate
---@param expected string catalog key (`expect.*`) describing a valid value
local function check(name, value, validator, expected)
  local valid = validator
  if type(validator) == 'function' then
    valid = function(v)
      return v == nil or validator(v) -- every option is optional
    end
  end
  local ok = pcall(function()
    if has_011() then
      vim.validate(name, value, valid, true)
    else
      vim.validate({ [name] = { value, valid, true } })
    end
  end)
  if not ok then
    local got = vim.inspect(value)
    if #got > 60 then
      got = got:sub(1, 57) .. '...'
    end
    error(t('setup.invalid', { name = name, expected = t(expected), got = got }), 0)
  end
end

--- The remote cache's fields as the server takes them (server/arama/remote_options.py): checked
--- here too, so a mistake is named when Neovim starts, not only in the server log.
---@param remote table|nil
---@param check function
function M.check_remote_cache(remote, check)
  check('init_options.remoteCache', remote, 'table', 'expect.table')
  if remote == nil then
    return
  end
  local known = { 'url', 'mode', 'timeoutMs', 'verifyFraction', 'ttlSeconds', 'passwordEnv' }
  for key in pairs(remote) do
    if not vim.tbl_contains(known, key) then
      error(
        t('setup.unknown', {
          name = 'init_options.remoteCache.' .. tostring(key),
          names = table.concat(known, ', '),
        }),
        0
      )
    end
  end
  check('init_options.remoteCache.url', remote.url, function(v)
    return type(v) == 'string'
      and (v:match('^redis://.') or v:match('^rediss://.') or v:match('^unix://.')) ~= nil
  end, 'expect.remote_url')
  if remote.url == nil then
    check('init_options.remoteCache.url', false, 'string', 'expect.remote_url')
  end
  check('init_options.remoteCache.mode', remote.mode, function(v)
    return v == 'read' or v == 'read-write'
  end, 'expect.remote_mode')
  check('init_options.remoteCache.timeoutMs', remote.timeoutMs, function(v)
    return is_integer(v, 1, 60000)
  end, 'expect.timeout')
  check('init_options.remoteCache.verifyFraction', remote.verifyFraction, function(v)
    return type(v) == 'number' and v >= 0 and v <= 1
  end, 'expect.fraction')
  check('init_options.remoteCache.ttlSeconds', remote.ttlSeconds, function(v)
    return is_integer(v, 0, 315360000)
  end, 'expect.ttl')
  check('init_options.remoteCache.passwordEnv', remote.passwordEnv, function(v)
    return type(v) == 'string' and #v <= 200 and v:match('^[%w_]+$') ~= nil
  end, 'expect.env_name')
end

---@param opts table|nil
---@return arama.Config
local function build_config(opts)
  check('opts', opts, 'table', 'expect.table')
  opts = opts or {}
  for key in pairs(opts) do
    if not vim.tbl_contains(KNOWN_OPTIONS, key) then
      error(
        t('setup.unknown', { name = tostring(key), names = table.concat(KNOWN_OPTIONS, ', ') }),
        0
      )
    end
  end
  check('cmd', opts.cmd, function(v)
    return type(v) == 'function' or is_string_list(v, false)
  end, 'expect.cmd')
  check('init_options', opts.init_options, 'table', 'expect.table')
  check('root_markers', opts.root_markers, function(v)
    return is_string_list(v, true)
  end, 'expect.markers')
  check('locale', opts.locale, 'string', 'expect.string')
  check('filetypes', opts.filetypes, function(v)
    return is_string_list(v, false)
  end, 'expect.filetypes')
  check('limit', opts.limit, function(v)
    return is_integer(v, 1, 200)
  end, 'expect.limit')
  check('related_limit', opts.related_limit, function(v)
    return is_integer(v, 1, 200)
  end, 'expect.limit')
  check('expand', opts.expand, 'boolean', 'expect.boolean')
  local init = opts.init_options or {}
  check('init_options.cacheDir', init.cacheDir, 'string', 'expect.string')
  check('init_options.model', init.model, 'string', 'expect.string')
  check('init_options.exclude', init.exclude, function(v)
    return is_string_list(v, true)
  end, 'expect.globs')
  check('init_options.maxFileSize', init.maxFileSize, function(v)
    return is_integer(v, 1)
  end, 'expect.positive')
  check('init_options.threads', init.threads, function(v)
    return is_integer(v, 1)
  end, 'expect.positive')
  check('init_options.embeddingBackend', init.embeddingBackend, function(v)
    return vim.tbl_contains(M.embedding_backends, v)
  end, 'expect.backend')
  check('init_options.searchBudgetMs', init.searchBudgetMs, function(v)
    return is_integer(v, 1, MAX_SEARCH_BUDGET_MS)
  end, 'expect.budget')
  check('picker', opts.picker, function(v)
    return vim.tbl_contains(M.pickers, v)
  end, 'expect.picker')
  M.check_remote_cache(init.remoteCache, check)
  local config = {}
  for _, key in ipairs(KNOWN_OPTIONS) do
    local value = opts[key]
    if value == nil then
      value = defaults[key]
    end
    config[key] = type(value) == 'table' and vim.deepcopy(value) or value
  end
  return config
end

---------------------------------------------------------------------------------------------
-- Workspace root
---------------------------------------------------------------------------------------------

local function realpath(path)
  return vim.fs.normalize((vim.uv or vim.loop).fs_realpath(path) or path)
end

--- A root the server may index: an existing directory, neither `/` nor the home directory.
local function usable_root(dir)
  if not dir or dir == '' or vim.fn.isdirectory(dir) == 0 then
    return nil
  end
  local real = realpath(dir)
  local home = (vim.uv or vim.loop).os_homedir()
  if real == '/' or (home and real == realpath(home)) then
    return nil
  end
  -- Not resolved: buffer names and the root must agree when the path runs through a symlink.
  return vim.fs.normalize(dir)
end

--- The workspace folder for a file buffer: the nearest directory holding one of `root_markers`,
--- else the file's own directory. Never `/` or the home directory, never a buffer without a file
--- (then nil, and the server does not start for that buffer).
---@param bufnr integer|nil buffer (default: current)
---@return string|nil
function M.root_dir(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  local name = api.nvim_buf_get_name(bufnr)
  if name == '' or vim.bo[bufnr].buftype ~= '' or name:match('^%a[%w+.-]*://') then
    return nil -- no file, or fugitive://, oil:// and the like
  end
  local markers = M.options().root_markers
  local root = #markers > 0 and vim.fs.root(bufnr, markers) or nil
  if not root then
    root = vim.fs.dirname(vim.fs.normalize(vim.fn.fnamemodify(name, ':p')))
  end
  return usable_root(root)
end

--- The folder a command starts a server for when none runs: the buffer's root, else the current
--- directory's (by `root_markers`, else the current directory itself).
---@param bufnr integer|nil
---@return string|nil
function M.command_root(bufnr)
  local root = M.root_dir(bufnr)
  if root then
    return root
  end
  local cwd = vim.fn.getcwd()
  local markers = M.options().root_markers
  return usable_root(#markers > 0 and vim.fs.root(cwd, markers) or cwd)
end

---------------------------------------------------------------------------------------------
-- Server registration
---------------------------------------------------------------------------------------------

-- Defined with the client tracking below; used by the registration here.
local watch, on_progress

local function before_init(params)
  params.locale = require('arama.i18n').language()
end

--- True when `vim.lsp.enable('arama')` (with lsp/arama.lua) registered the server, without setup().
---@return boolean
function M.natively_enabled()
  return has_011() and vim.lsp.is_enabled ~= nil and vim.lsp.is_enabled(M.name) or false
end

--- The client configuration for a given root (used on 0.10 and to start a client on demand).
---@param root string
---@return table vim.lsp.ClientConfig
function M.client_config(root)
  local cfg = M.options()
  local config
  if has_011() and vim.lsp.config and vim.lsp.is_enabled and vim.lsp.is_enabled(M.name) then
    -- Respect whatever the user merged into vim.lsp.config('arama', ...) too.
    config = vim.deepcopy(vim.lsp.config[M.name] or {})
  else
    config = {
      cmd = cfg.cmd,
      init_options = cfg.init_options,
      before_init = before_init,
    }
  end
  config.name = M.name
  config.root_dir = root
  config.root_markers = nil
  config.filetypes = nil
  return config
end

--- Where an install puts `arama-ls`, tried in order when `cmd` is not given (the VS Code
--- extension looks in the same places): PATH, pipx (`$PIPX_BIN_DIR`, `~/.local/bin`, its venv),
--- uv (`$UV_TOOL_BIN_DIR`, `$XDG_BIN_HOME`, its tool venv), then the root's `.venv`.
---@param root string|nil the workspace root, for its `.venv`
---@return string[] cmd the first executable found, else `{ 'arama-ls' }`
function M.find_server(root)
  if vim.fn.executable('arama-ls') == 1 then
    return { 'arama-ls' }
  end
  local env = vim.env
  local home = (vim.uv or vim.loop).os_homedir() or ''
  local data = env.XDG_DATA_HOME or (home .. '/.local/share')
  local candidates = {
    (env.PIPX_BIN_DIR or (home .. '/.local/bin')) .. '/arama-ls',
    (env.PIPX_HOME or (data .. '/pipx')) .. '/venvs/arama/bin/arama-ls',
    env.UV_TOOL_BIN_DIR and (env.UV_TOOL_BIN_DIR .. '/arama-ls') or nil,
    env.XDG_BIN_HOME and (env.XDG_BIN_HOME .. '/arama-ls') or nil,
    home .. '/.local/bin/arama-ls',
    (env.UV_TOOL_DIR or (data .. '/uv/tools')) .. '/arama/bin/arama-ls',
  }
  if root then
    candidates[#candidates + 1] = root .. '/.venv/bin/arama-ls'
  end
  for i = 1, 8 do
    local file = candidates[i]
    if file and vim.fn.executable(file) == 1 then
      return { file }
    end
  end
  return { 'arama-ls' }
end

--- How to install the server from the wheel `make dist` builds (the VS Code message says the same).
M.install_command = 'pipx install dist/arama-0.1.0-py3-none-any.whl'

local tracking = false

--- Follows every arama client's index state (progress and `arama.status`) for the statusline
--- and the commands; once per Neovim, for setup() and the vim.lsp.enable('arama') path alike.
function M.ensure_tracking()
  if tracking then
    return
  end
  tracking = true
  local group = api.nvim_create_augroup('arama_tracking', { clear = true })
  api.nvim_create_autocmd('LspProgress', {
    group = group,
    desc = 'arama: indexing progress for the statusline',
    callback = on_progress,
  })
  api.nvim_create_autocmd('LspAttach', {
    group = group,
    desc = 'arama: track the index state',
    callback = function(args)
      local client = vim.lsp.get_client_by_id(args.data.client_id)
      if client and client.name == M.name then
        watch(client)
      end
    end,
  })
end

--- The `vim.lsp.Config` that `lsp/arama.lua` returns (Neovim 0.11+): `vim.lsp.enable('arama')`
--- is then all it takes. Overrides go through `vim.lsp.config('arama', {...})`; setup() merges
--- its options over this the same way.
---@return table vim.lsp.Config
function M.lsp_config()
  local cfg = M.options()
  local cmd = cfg.cmd
  if vim.deep_equal(cmd, defaults.cmd) then
    cmd = M.find_server(M.command_root())
    if not M.config and vim.fn.executable(cmd[1]) == 0 then
      -- The vim.lsp.enable path has no setup() to warn: say it once, with the install command.
      vim.schedule(function()
        vim.notify(t('notify.not_found', { command = M.install_command }), vim.log.levels.WARN, {
          title = 'arama',
        })
      end)
    end
  end
  return {
    cmd = cmd,
    filetypes = cfg.filetypes,
    root_markers = cfg.root_markers,
    root_dir = function(bufnr, on_dir)
      local root = M.root_dir(bufnr)
      if root then
        on_dir(root)
      end
    end,
    init_options = cfg.init_options,
    before_init = before_init,
    on_init = function(client)
      M.ensure_tracking()
      watch(client)
    end,
  }
end

local function start_for_buffer(bufnr)
  if not api.nvim_buf_is_valid(bufnr) or vim.bo[bufnr].buftype ~= '' then
    return
  end
  local cfg = M.options()
  if cfg.filetypes and not vim.tbl_contains(cfg.filetypes, vim.bo[bufnr].filetype) then
    return
  end
  local root = M.root_dir(bufnr)
  if root then
    vim.lsp.start(M.client_config(root), { bufnr = bufnr })
  end
end

local augroup

local function register(cfg)
  if has_011() then
    vim.lsp.config(M.name, M.lsp_config())
    vim.lsp.enable(M.name)
    return
  end
  -- Neovim 0.10: start (or reuse) a client per buffer.
  api.nvim_create_autocmd('FileType', {
    group = augroup,
    desc = 'arama: start the language server',
    callback = function(args)
      start_for_buffer(args.buf)
    end,
  })
  if vim.v.vim_did_enter == 1 then
    for _, bufnr in ipairs(api.nvim_list_bufs()) do
      if api.nvim_buf_is_loaded(bufnr) and vim.bo[bufnr].filetype ~= '' then
        start_for_buffer(bufnr)
      end
    end
  end
end

---------------------------------------------------------------------------------------------
-- Requests
---------------------------------------------------------------------------------------------

local function notify_text(text)
  vim.notify(text, vim.log.levels.ERROR, { title = 'arama' })
end

local function not_running_text()
  return t('notify.not_running', { markers = table.concat(M.options().root_markers, ', ') })
end

--- Shows a server error (a JSON-RPC error object or a message) at ERROR level.
---@param err table|string
function M.notify_error(err)
  local message = type(err) == 'table' and (err.message or vim.inspect(err)) or tostring(err)
  vim.notify(t('notify.server_error', { message = message }), vim.log.levels.ERROR, {
    title = 'arama',
  })
end

local function request(client, method, params, handler, bufnr)
  if has_011() then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

--- Runs a server command (`workspace/executeCommand`) with one argument object.
--- Errors (JSON-RPC -32602 and the like) go to `on_error`, else to |vim.notify()| at ERROR level.
---@param client table vim.lsp.Client
---@param command string e.g. `arama.search`
---@param argument table|nil the single argument object (nil: no arguments)
---@param on_result fun(result: any)
---@param bufnr integer|nil
---@param on_error fun(err: table)|nil
function M.exec(client, command, argument, on_result, bufnr, on_error)
  local params = { command = command, arguments = argument == nil and {} or { argument } }
  local ok = request(client, 'workspace/executeCommand', params, function(err, result)
    if err then
      (on_error or M.notify_error)(err)
      return
    end
    on_result(result)
  end, bufnr)
  if not ok then
    if on_error then
      on_error({ message = not_running_text() })
    else
      notify_text(not_running_text())
    end
  end
end

--- Synchronous `workspace/executeCommand` (for :checkhealth).
---@param client table vim.lsp.Client
---@param command string
---@param argument table|nil
---@param timeout_ms integer
---@return any|nil result, string|nil error message
function M.exec_sync(client, command, argument, timeout_ms)
  local params = { command = command, arguments = argument == nil and {} or { argument } }
  local response, err
  if has_011() then
    response, err = client:request_sync('workspace/executeCommand', params, timeout_ms)
  else
    response, err = client.request_sync('workspace/executeCommand', params, timeout_ms)
  end
  if not response then
    return nil, tostring(err or 'timeout')
  end
  if response.err then
    return nil, response.err.message or vim.inspect(response.err)
  end
  return response.result, nil
end

---------------------------------------------------------------------------------------------
-- Clients and status
---------------------------------------------------------------------------------------------

local function is_stopped(client)
  if has_011() then
    return client:is_stopped()
  end
  return client.is_stopped()
end

--- The arama client for a buffer: the one attached to it, else one whose root holds the
--- current directory, else any running arama client.
---@param bufnr integer|nil
---@return table|nil client vim.lsp.Client
function M.get_client(bufnr)
  bufnr = bufnr or api.nvim_get_current_buf()
  local attached = vim.lsp.get_clients({ name = M.name, bufnr = bufnr })
  if attached[1] then
    return attached[1]
  end
  local all = vim.lsp.get_clients({ name = M.name })
  local cwd = vim.fs.normalize(vim.fn.getcwd())
  for _, client in ipairs(all) do
    local root = client.root_dir
    if root and (cwd == root or vim.startswith(cwd, root .. '/')) then
      return client
    end
  end
  return all[1]
end

local function status_changed()
  vim.schedule(function()
    pcall(vim.cmd, 'redrawstatus!')
    pcall(api.nvim_exec_autocmds, 'User', { pattern = 'AramaStatus', modeline = false })
  end)
end

---@param client_id integer
---@return table
local function state_of(client_id)
  local state = client_state[client_id]
  if not state then
    state = {}
    client_state[client_id] = state
  end
  return state
end

--- Records an `arama.status` answer for the statusline.
---@param client_id integer
---@param status arama.Status
function M.record_status(client_id, status)
  if type(status) ~= 'table' then
    return
  end
  local state = state_of(client_id)
  state.state = status.state
  state.files = status.files
  state.chunks = status.chunks
  state.model = status.model
  state.error = status.error
  if status.state ~= 'indexing' then
    state.pct = nil -- a percentage only comes with progress reports
  end
  status_changed()
end

--- The last known status of a client: { state, pct, files, chunks, model, error } (may be empty).
---@param client_id integer
---@return table
function M.client_status(client_id)
  return vim.deepcopy(client_state[client_id] or {})
end

--- Asks the server for `arama.status` and records it; `callback` gets the status, or nil when
--- the request failed (errors are not shown: this runs in the background).
---@param client table vim.lsp.Client
---@param callback fun(status: arama.Status|nil)|nil
function M.refresh(client, callback)
  M.exec(
    client,
    'arama.status',
    nil,
    function(status)
      M.record_status(client.id, status)
      if callback then
        callback(status)
      end
    end,
    nil,
    function()
      if callback then
        callback(nil)
      end
    end
  )
end

--- Polls `arama.status` until the index is ready (progress events do the rest).
watch = function(client)
  local state = state_of(client.id)
  if state.watching then
    return
  end
  state.watching = true
  local function tick()
    if is_stopped(client) then
      client_state[client.id] = nil
      return
    end
    if not client.initialized then
      vim.defer_fn(tick, 200)
      return
    end
    M.refresh(client, function(status)
      if status and (status.state == 'ready' or status.error) then
        state_of(client.id).watching = false -- an `error` stays until the server restarts
      else
        vim.defer_fn(tick, status and status.state == 'starting' and 300 or 1000)
      end
    end)
  end
  tick()
end

--- Calls `callback(client)` once an arama client for `bufnr` is initialized and its engine is
--- up; starts one for the buffer's root (or the current directory) if none runs yet.
---@param bufnr integer|nil
---@param callback fun(client: table)
function M.with_client(bufnr, callback)
  bufnr = bufnr or api.nvim_get_current_buf()
  local client = M.get_client(bufnr)
  if not client and (M.config or M.natively_enabled()) and has_011() then
    local root = M.command_root(bufnr)
    if root then
      local id = vim.lsp.start(M.client_config(root), { bufnr = bufnr, attach = false })
      client = id and vim.lsp.get_client_by_id(id) or nil
    end
  end
  if not client then
    notify_text((M.config or M.natively_enabled()) and not_running_text() or t('notify.no_setup'))
    return
  end
  watch(client)
  local timeout_s = 120
  local deadline = (vim.uv or vim.loop).now() + timeout_s * 1000
  local function wait()
    if is_stopped(client) then
      notify_text(not_running_text())
      return
    end
    local known = client_state[client.id] or {}
    -- With an `error` the engine will not come: the command fails at once with that reason.
    if client.initialized and known.state ~= nil and (known.state ~= 'starting' or known.error) then
      callback(client)
    elseif (vim.uv or vim.loop).now() > deadline then
      notify_text(t('notify.start_timeout', { seconds = timeout_s }))
    else
      vim.defer_fn(wait, 100)
    end
  end
  wait()
end

on_progress = function(args)
  local data = args.data or {}
  local client = data.client_id and vim.lsp.get_client_by_id(data.client_id)
  if not client or client.name ~= M.name then
    return
  end
  local value = data.params and data.params.value
  if type(value) ~= 'table' then
    return
  end
  local state = state_of(client.id)
  if value.kind == 'begin' then
    state.state = 'indexing'
    state.pct = value.percentage
  elseif value.kind == 'report' then
    state.state = 'indexing'
    state.pct = value.percentage or state.pct
  elseif value.kind == 'end' then
    state.state = 'ready'
    state.pct = nil
    -- Exact file and chunk counts; polled until the server says ready, so that a status asked
    -- while the next piece of work starts cannot leave the statusline at "indexing".
    watch(client)
  end
  status_changed()
end

--- A short status for statuslines: `arama: indexing 45%`, `arama: ready (1234 chunks)`, or `''`
--- when no arama client is attached to the current buffer. Cheap: it sends no request.
---@return string
function M.statusline()
  local ok, clients = pcall(vim.lsp.get_clients, { name = M.name, bufnr = 0 })
  local client = ok and clients[1] or nil
  if not client then
    return ''
  end
  local state = client_state[client.id] or {}
  if state.error then
    return t('statusline.error')
  elseif state.state == 'indexing' then
    if state.pct then
      return t('statusline.indexing_pct', { pct = math.floor(state.pct) })
    end
    return t('statusline.indexing')
  elseif state.state == 'ready' then
    return t('statusline.ready', { chunks = state.chunks or 0 })
  end
  return t('statusline.starting')
end

---------------------------------------------------------------------------------------------
-- setup
---------------------------------------------------------------------------------------------

--- Registers the arama language server: `vim.lsp.config('arama', ...)` + `vim.lsp.enable`
--- on Neovim 0.11+, a FileType autocmd with `vim.lsp.start` on 0.10.
---@param opts arama.Config|nil see |arama-configuration|; every field is optional
function M.setup(opts)
  local ok, config = pcall(build_config, opts)
  if not ok then
    error(config, 2)
  end
  M.config = config
  augroup = api.nvim_create_augroup('arama', { clear = true })
  M.ensure_tracking()
  register(config)
  local cmd = has_011() and vim.lsp.config[M.name] and vim.lsp.config[M.name].cmd or config.cmd
  if type(cmd) == 'table' and vim.fn.executable(cmd[1]) == 0 then
    vim.notify(t('notify.not_executable', { cmd = cmd[1] }), vim.log.levels.WARN, {
      title = 'arama',
    })
  end
end

return M
