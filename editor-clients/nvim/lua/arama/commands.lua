--- The `:Arama` subcommands: search, pick, related, reindex, status, stats.
local M = {}

local api = vim.api

local function arama()
  return require('arama')
end

local function t(key, vars)
  return require('arama.i18n').t(key, vars)
end

local function notify(message, level)
  vim.notify(message, level or vim.log.levels.INFO, { title = 'arama' })
end

local function present(value)
  return value ~= nil and value ~= vim.NIL and value ~= ''
end

---------------------------------------------------------------------------------------------
-- Results -> quickfix items
---------------------------------------------------------------------------------------------

local MAX_TEXT_CHARS = 160

--- The first non-blank line of a snippet, trimmed and shortened.
---@param snippet string|nil
---@return string
local function first_line(snippet)
  if type(snippet) ~= 'string' then
    return ''
  end
  for line in snippet:gmatch('[^\r\n]+') do
    local text = vim.trim(line)
    if text ~= '' then
      if vim.fn.strchars(text) > MAX_TEXT_CHARS then
        text = vim.fn.strcharpart(text, 0, MAX_TEXT_CHARS - 1) .. '…'
      end
      return text
    end
  end
  return ''
end

--- `symbol — first snippet line` (or just one of them), then `(+N similar)` when near-identical
--- definitions were folded into the result (contract v2; older servers do not send the count).
---@param result arama.SearchResult
---@return string
function M.item_text(result)
  local line = first_line(result.snippet)
  local text = line
  if present(result.symbol) then
    text = line ~= '' and (result.symbol .. ' — ' .. line) or result.symbol
  end
  local similar = tonumber(result.similar) or 0
  if similar > 0 then
    text = text .. ' (' .. t('result.similar', { count = similar }) .. ')'
  end
  return text
end

--- The text of line `lnum` (1-based) of a file, from its buffer when loaded.
local function line_text(fname, lnum)
  local bufnr = vim.fn.bufnr(fname)
  if bufnr > 0 and api.nvim_buf_is_loaded(bufnr) then
    return api.nvim_buf_get_lines(bufnr, lnum - 1, lnum, false)[1]
  end
  local ok, lines = pcall(vim.fn.readfile, fname, '', lnum)
  return ok and lines[lnum] or nil
end

--- 1-based byte column of an LSP position (whose character counts in `encoding` units).
local function byte_col(fname, position, encoding)
  local character = position.character or 0
  if character == 0 or encoding == 'utf-8' then
    return character + 1
  end
  local line = line_text(fname, position.line + 1)
  if not line then
    return character + 1
  end
  local ok, index = pcall(vim.str_byteindex, line, encoding, character, false) -- 0.11
  if not ok then
    ok, index = pcall(vim.str_byteindex, line, character, encoding == 'utf-16') -- 0.10
  end
  return (ok and index or character) + 1
end

--- Quickfix items (filename, lnum, col, end_lnum, text, user_data = the result) in rank order.
---@param results arama.SearchResult[] arama.search / arama.context results
---@param encoding string|nil the client's position encoding (default utf-16)
---@return table[]
function M.to_items(results, encoding)
  local items = {}
  for _, result in ipairs(results or {}) do
    local fname = vim.uri_to_fname(result.uri)
    local start = result.range.start
    items[#items + 1] = {
      filename = fname,
      lnum = start.line + 1,
      col = byte_col(fname, start, encoding or 'utf-16'),
      end_lnum = result.range['end'].line + 1,
      text = M.item_text(result),
      user_data = result,
    }
  end
  return items
end

---------------------------------------------------------------------------------------------
-- Showing results
---------------------------------------------------------------------------------------------

local function jump(item, client)
  local result = item.user_data
  vim.lsp.util.show_document(
    { uri = result.uri, range = result.range },
    client.offset_encoding or 'utf-16',
    { focus = true }
  )
end

--- Quickfix list + :copen, or vim.ui.select and a jump to the choice.
---@param results arama.SearchResult[]
---@param client table vim.lsp.Client
---@param opts { title: string, picker: boolean|nil, empty: string }
local function show(results, client, opts)
  local items = M.to_items(results, client.offset_encoding)
  if #items == 0 then
    notify(opts.empty)
    return
  end
  if opts.picker then
    require('arama.pickers').pick(items, {
      title = opts.title,
      format = function(item)
        local path = present(item.user_data.path) and item.user_data.path
          or vim.fn.fnamemodify(item.filename, ':~:.')
        return string.format('%s:%d: %s', path, item.lnum, item.text)
      end,
      on_choice = function(choice)
        jump(choice, client)
      end,
    }, arama().options().picker)
    return
  end
  vim.fn.setqflist({}, ' ', { title = opts.title, items = items })
  vim.cmd('copen')
end

---------------------------------------------------------------------------------------------
-- Subcommands
---------------------------------------------------------------------------------------------

---@class arama.SearchOpts
---@field picker boolean|nil show the results with vim.ui.select instead of the quickfix list
---@field kinds (string|integer)[]|string|nil only definitions of these LSP symbol kinds
---@field content string[]|string|nil only `code`, `tests` or `docs`
---@field expand boolean|nil widen each hit to its whole definition (default: setup's `expand`)
---@field arguments table|nil extra `arama.search` arguments (limit, mode, paths, languages, ...)

--- The `arama.search` argument for a typed query: setup's `limit` and `expand`, then what the
--- query's prefixes and filters say (|arama-query|), then `opts.kinds`, `opts.content`,
--- `opts.expand`, then `opts.arguments`; each later one wins.
---@param parsed arama.ParsedQuery
---@param opts arama.SearchOpts
---@return table
function M.search_argument(parsed, opts)
  local config = arama().options()
  return vim.tbl_extend(
    'force',
    { query = parsed.query, limit = config.limit, expand = config.expand or nil },
    require('arama.query').arguments(parsed),
    { kinds = opts.kinds, content = opts.content, expand = opts.expand },
    opts.arguments or {}
  )
end

--- `:Arama search` / `:Arama pick`: asks for a query when `query` has no words to search for
--- (filters typed alone are kept).
---@param query string|nil the typed query, prefixes and filters included (|arama-query|)
---@param opts arama.SearchOpts|nil
function M.search(query, opts)
  opts = opts or {}
  local typed = present(query) and vim.trim(query) or ''
  local parsed = require('arama.query').parse(typed)
  if parsed.query == '' then
    vim.ui.input({ prompt = t('prompt.search') }, function(input)
      if present(input) and vim.trim(input) ~= '' then
        M.search(vim.trim(typed .. ' ' .. input), opts)
      end
    end)
    return
  end
  local bufnr = api.nvim_get_current_buf()
  arama().with_client(bufnr, function(client)
    local argument = M.search_argument(parsed, opts)
    arama().exec(client, 'arama.search', argument, function(answer)
      ---@cast answer arama.SearchAnswer
      if answer.indexing then
        notify(t('notify.incomplete'), vim.log.levels.WARN)
      elseif answer.partial then
        notify(t('notify.partial'), vim.log.levels.WARN)
      end
      show(answer.results or {}, client, {
        title = t('title.search', { query = typed }),
        picker = opts.picker,
        empty = t('notify.no_results', { query = typed }),
      })
    end, bufnr)
  end)
end

--- `:Arama related`: the code most related to the chunk at the cursor (`arama.context`).
---@param opts { picker: boolean|nil, limit: integer|nil }|nil
function M.related(opts)
  opts = opts or {}
  local win = api.nvim_get_current_win()
  local bufnr = api.nvim_get_current_buf()
  if vim.bo[bufnr].buftype ~= '' or api.nvim_buf_get_name(bufnr) == '' then
    notify(t('notify.no_file'), vim.log.levels.ERROR)
    return
  end
  arama().with_client(bufnr, function(client)
    if not api.nvim_win_is_valid(win) or api.nvim_win_get_buf(win) ~= bufnr then
      return -- the user moved on while the server started
    end
    if not vim.lsp.buf_is_attached(bufnr, client.id) then
      vim.lsp.buf_attach_client(bufnr, client.id) -- so the server sees the buffer's text
    end
    local params = vim.lsp.util.make_position_params(win, client.offset_encoding or 'utf-16')
    local argument = {
      uri = params.textDocument.uri,
      position = params.position,
      limit = opts.limit or arama().options().related_limit,
    }
    arama().exec(client, 'arama.context', argument, function(answer)
      ---@cast answer arama.ContextAnswer
      local focus = answer.focus or {}
      local symbol = present(focus.symbol) and focus.symbol
        or string.format(
          '%s:%d',
          vim.fn.fnamemodify(api.nvim_buf_get_name(bufnr), ':~:.'),
          params.position.line + 1
        )
      show(answer.related or {}, client, {
        title = t('title.related', { symbol = symbol }),
        picker = opts.picker,
        empty = t('notify.no_related', { symbol = symbol }),
      })
    end, bufnr)
  end)
end

--- `:Arama reindex`: rescan every workspace folder.
function M.reindex()
  arama().with_client(nil, function(client)
    arama().exec(client, 'arama.reindex', nil, function(answer)
      ---@cast answer arama.ReindexAnswer
      notify(t('notify.reindex', { count = answer.queued or 0 }))
      arama().refresh(client)
    end)
  end)
end

--- `:Arama tune {questions-file}`: the server's `arama.tune` for the first workspace folder. A
--- tuning is kept only when it answers those questions better (the server says why, with the
--- numbers). `:Arama tune reset` forgets it.
---@param rest string
function M.tune(rest)
  if rest == '' then
    notify(t('notify.usage', { names = 'tune {questions-file}|reset' }), vim.log.levels.ERROR)
    return
  end
  arama().with_client(nil, function(client)
    if rest == 'reset' then
      arama().exec(client, 'arama.tune', { reset = true }, function(answer)
        ---@cast answer arama.TuneResetAnswer
        notify(t(answer.reset and 'notify.tune_reset' or 'notify.tune_none'))
        arama().refresh(client)
      end)
      return
    end
    local questions = vim.uri_from_fname(vim.fn.fnamemodify(vim.fn.expand(rest), ':p'))
    notify(t('notify.tuning'))
    arama().exec(client, 'arama.tune', { queries = questions }, function(answer)
      ---@cast answer arama.TuneAnswer
      local level = answer.kept and vim.log.levels.INFO or vim.log.levels.WARN
      local held = answer.heldOut
      local lines = { answer.message, t('notify.tune_numbers', {
        base = string.format('%.3f', held.base),
        tuned = string.format('%.3f', held.tuned),
      }) }
      notify(table.concat(lines, '\n'), level)
      arama().refresh(client)
    end)
  end)
end

--- The `arama.status` answer as lines of text: the summary first, then the server's error if
--- any, the model, cache, folders, skipped files and what the server recovered from.
---@param status arama.Status
---@return string[]
function M.status_lines(status)
  local state = present(status.state) and t('state.' .. status.state) or '?'
  local lines = {
    t('status.summary', {
      state = state,
      files = status.files or 0,
      chunks = status.chunks or 0,
      pending = status.pendingFiles or 0,
    }),
  }
  if present(status.error) then
    lines[#lines + 1] = t('status.error', { message = status.error })
  end
  if present(status.model) then
    lines[#lines + 1] = t('status.model', { model = status.model })
  end
  local cache = type(status.cache) == 'table' and status.cache or {}
  if present(cache.path) then
    lines[#lines + 1] = t('status.cache', {
      entries = cache.entries or 0,
      hits = cache.hits or 0,
      misses = cache.misses or 0,
      path = vim.fn.fnamemodify(cache.path, ':~'),
    })
  end
  if type(status.workspaceFolders) == 'table' and #status.workspaceFolders > 0 then
    local folders = vim.tbl_map(function(folder)
      return vim.fn.fnamemodify(folder, ':~')
    end, status.workspaceFolders)
    lines[#lines + 1] = t('status.folders', { folders = table.concat(folders, ', ') })
  end
  if type(status.skippedFiles) == 'table' and next(status.skippedFiles) then
    local parts = {}
    for reason, count in vim.spairs(status.skippedFiles) do
      parts[#parts + 1] = string.format('%s %s', reason, tostring(count))
    end
    lines[#lines + 1] = t('status.skipped', { skipped = table.concat(parts, ', ') })
  end
  local team = type(status.remoteCache) == 'table' and status.remoteCache or nil
  if team then
    lines[#lines + 1] = t('status.team', {
      url = team.url or '?',
      mode = team.mode or '?',
      state = t('team.' .. (team.state or 'ok')),
      hits = team.hits or 0,
      misses = team.misses or 0,
      writes = team.writes or 0,
      errors = team.errors or 0,
    })
    if present(team.reason) then
      lines[#lines + 1] = t('status.team_reason', { reason = team.reason })
    end
  end
  for _, note in ipairs(type(status.recovered) == 'table' and status.recovered or {}) do
    lines[#lines + 1] = t('status.recovered', { note = note })
  end
  return lines
end

--- `:Arama status`: the index state as a notification.
function M.status()
  arama().with_client(nil, function(client)
    arama().exec(client, 'arama.status', nil, function(status)
      ---@cast status arama.Status
      arama().record_status(client.id, status)
      local level = present(status.error) and vim.log.levels.ERROR or vim.log.levels.INFO
      notify(table.concat(M.status_lines(status), '\n'), level)
    end)
  end)
end

local function pad(text, width)
  return text .. string.rep(' ', math.max(0, width - vim.fn.strdisplaywidth(text)))
end

--- The `arama.stats` answer as lines of text.
---@param stats arama.Stats
---@return string[]
function M.stats_lines(stats)
  local i18n = require('arama.i18n')
  local rows = {
    { t('stats.files'), tostring(stats.files or 0) },
    { t('stats.total'), i18n.size(stats.totalBytes) },
    { t('stats.average'), i18n.size(stats.avgBytes) },
    { t('stats.recent'), tostring(stats.recentFiles7d or 0) },
  }
  local languages = type(stats.languages) == 'table' and stats.languages or {}
  local queries = type(stats.popularQueries) == 'table' and stats.popularQueries or {}
  local width = 0
  for _, row in ipairs(rows) do
    width = math.max(width, vim.fn.strdisplaywidth(row[1]))
  end
  for _, item in ipairs(languages) do
    width = math.max(width, 2 + vim.fn.strdisplaywidth(tostring(item.language)))
  end
  for _, item in ipairs(queries) do
    width = math.max(width, 2 + math.min(48, vim.fn.strdisplaywidth(tostring(item.query))))
  end
  local lines = {}
  for _, row in ipairs(rows) do
    lines[#lines + 1] = pad(row[1], width) .. '  ' .. row[2]
  end
  local function section(title, list, name_key, count_key)
    lines[#lines + 1] = ''
    lines[#lines + 1] = title
    if #list == 0 then
      lines[#lines + 1] = '  ' .. t('stats.none')
    end
    for _, item in ipairs(list) do
      local name = tostring(item[name_key])
      if vim.fn.strchars(name) > 48 then
        name = vim.fn.strcharpart(name, 0, 47) .. '…'
      end
      lines[#lines + 1] = pad('  ' .. name, width) .. '  ' .. tostring(item[count_key] or 0)
    end
  end
  section(t('stats.languages'), languages, 'language', 'files')
  section(t('stats.queries'), queries, 'query', 'count')
  return lines
end

--- A centered floating window with `lines`; `q` or `<Esc>` closes it.
---@param lines string[]
---@param title string
---@return integer buf, integer win
function M.open_float(lines, title)
  local buf = api.nvim_create_buf(false, true)
  api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].bufhidden = 'wipe'
  vim.bo[buf].filetype = 'arama'
  local width = vim.fn.strdisplaywidth(title) + 4
  for _, line in ipairs(lines) do
    width = math.max(width, vim.fn.strdisplaywidth(line) + 2)
  end
  width = math.min(width, math.max(20, vim.o.columns - 4))
  local height = math.min(#lines, math.max(1, vim.o.lines - 4))
  local win = api.nvim_open_win(buf, true, {
    relative = 'editor',
    width = width,
    height = height,
    row = math.max(0, math.floor((vim.o.lines - height) / 2) - 1),
    col = math.max(0, math.floor((vim.o.columns - width) / 2)),
    style = 'minimal',
    border = 'rounded',
    title = ' ' .. title .. ' ',
    title_pos = 'center',
    footer = ' ' .. t('stats.close') .. ' ',
    footer_pos = 'right',
  })
  local function close()
    if api.nvim_win_is_valid(win) then
      api.nvim_win_close(win, true)
    end
  end
  for _, lhs in ipairs({ 'q', '<Esc>' }) do
    vim.keymap.set('n', lhs, close, { buffer = buf, nowait = true, silent = true, desc = 'close' })
  end
  api.nvim_create_autocmd('WinLeave', { buffer = buf, once = true, callback = close })
  return buf, win
end

--- `:Arama stats`: index statistics in a floating window.
function M.stats()
  arama().with_client(nil, function(client)
    arama().exec(client, 'arama.stats', nil, function(stats)
      M.open_float(M.stats_lines(stats), t('stats.title'))
    end)
  end)
end

---------------------------------------------------------------------------------------------
-- :Arama
---------------------------------------------------------------------------------------------

--- Subcommand names, in the order shown by completion.
M.names = { 'search', 'pick', 'related', 'reindex', 'status', 'stats', 'tune' }

---@type table<string, fun(rest: string)>
M.subcommands = {
  search = function(rest)
    M.search(rest)
  end,
  pick = function(rest)
    M.search(rest, { picker = true })
  end,
  related = function(rest)
    if rest ~= '' and rest ~= 'pick' and rest ~= 'qf' then
      notify(t('notify.usage', { names = 'related [qf|pick]' }), vim.log.levels.ERROR)
      return
    end
    M.related({ picker = rest == 'pick' })
  end,
  reindex = function()
    M.reindex()
  end,
  status = function()
    M.status()
  end,
  stats = function()
    M.stats()
  end,
  tune = function(rest)
    M.tune(rest)
  end,
}

--- Runs `:Arama {subcommand} [args]`.
---@param opts table the |nvim_create_user_command()| callback argument (uses `opts.args`)
function M.run(opts)
  local args = type(opts) == 'table' and opts.args or tostring(opts or '')
  local name, rest = args:match('^%s*(%S+)%s*(.-)%s*$')
  local usage = table.concat(M.names, '|')
  if not name then
    notify(t('notify.usage', { names = usage }), vim.log.levels.WARN)
    return
  end
  local subcommand = M.subcommands[name]
  if not subcommand then
    notify(t('notify.unknown_command', { name = name, names = usage }), vim.log.levels.ERROR)
    return
  end
  subcommand(rest)
end

--- Completion for `:Arama`: subcommand names, then `qf`/`pick` after `related`, and the values
--- of `kind:` and `content:` filters after `search` and `pick`.
---@param arglead string
---@param cmdline string
---@return string[]
function M.complete(arglead, cmdline)
  local words = vim.split(vim.trim(cmdline), '%s+')
  local index = #words + (arglead == '' and 1 or 0) -- 2: the subcommand; 3: its argument
  local candidates = {}
  if index <= 2 then
    candidates = M.names
  elseif index == 3 and words[2] == 'related' then
    candidates = { 'qf', 'pick' }
  elseif words[2] == 'search' or words[2] == 'pick' then
    return require('arama.query').complete(arglead)
  end
  return vim.tbl_filter(function(candidate)
    return vim.startswith(candidate, arglead)
  end, candidates)
end

return M
