-- English session: setup() with defaults, progress and statusline, :Arama search / pick /
-- related / status / stats, filters (kind:, content:, /x), "+N similar", server errors,
-- workspace/symbol, completion, :checkhealth arama.
local H = dofile(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)) .. '/harness.lua')
local P = H.params

H.capture_notify()
H.load_plugin()

H.check('lazy', function()
  local before = {
    arama = package.loaded['arama'] ~= nil,
    commands = package.loaded['arama.commands'] ~= nil,
  }
  local command = vim.fn.exists(':Arama') == 2
  require('arama').setup({
    cmd = { P.arama_ls },
    -- The server's defaults for the last two, given explicitly: setup() accepts them.
    init_options = { cacheDir = P.cache_dir, embeddingBackend = 'onnx', searchBudgetMs = 2000 },
  })
  return {
    command = command,
    before = before,
    after_setup = {
      commands = package.loaded['arama.commands'] ~= nil,
      health = package.loaded['arama.health'] ~= nil,
    },
  }
end)

H.check('bad_option', function()
  local ok, err = pcall(require('arama').setup, { root_markers = 42 })
  local ok2, err2 =
    pcall(require('arama').setup, { cmd = { P.arama_ls }, rootmarkers = { '.git' } })
  return { ok = ok, error = tostring(err), unknown_ok = ok2, unknown_error = tostring(err2) }
end)

local track = H.track_progress()
vim.cmd.edit(P.workspace .. '/lib/UserRepository.java')
vim.cmd.edit(P.workspace .. '/retry.py')

H.check('ready', function()
  local t0 = vim.uv.hrtime()
  H.wait(120000, function()
    return track.sample():match('^arama: ready') ~= nil
  end, 'the statusline to say ready')
  return {
    statuslines = track.statuslines,
    progress = track.progress,
    seconds = (vim.uv.hrtime() - t0) / 1e9,
  }
end)

H.check('clients', H.clients)

H.check('search', function()
  vim.fn.setqflist({}, 'f')
  vim.cmd('Arama search retry a failed request with exponential backoff')
  H.wait_qf('Arama: retry')
  return {
    title = H.qf_title(),
    items = H.qf_items(5),
    qf_window_open = vim.fn.getqflist({ winid = 0 }).winid ~= 0,
  }
end)

H.check('related', function()
  vim.cmd('cclose')
  assert(vim.api.nvim_buf_get_name(0):match('retry%.py$'), 'retry.py is not the current buffer')
  vim.api.nvim_win_set_cursor(0, { 15, 12 }) -- `return send()` inside retry_request
  vim.fn.setqflist({}, 'f')
  vim.cmd('Arama related')
  H.wait_qf('Arama: related')
  return { title = H.qf_title(), items = H.qf_items(10) }
end)

H.check('pick', function()
  vim.cmd('cclose')
  vim.cmd.edit(P.workspace .. '/src/cart.ts')
  local seen
  vim.ui.select = function(items, opts, on_choice)
    seen = {
      prompt = opts.prompt,
      kind = opts.kind,
      count = #items,
      first = opts.format_item(items[1]),
    }
    on_choice(items[1], 1)
  end
  vim.cmd('Arama pick split an HTTP header line into name and value')
  H.wait(60000, function()
    return seen ~= nil
  end, 'vim.ui.select')
  H.wait(5000, function()
    return vim.api.nvim_buf_get_name(0):match('http%.go$') ~= nil
  end, 'the jump to the chosen result')
  return {
    select = seen,
    buffer = vim.api.nvim_buf_get_name(0),
    cursor = vim.api.nvim_win_get_cursor(0),
  }
end)

H.check('prompt', function()
  local prompt
  vim.ui.input = function(opts, on_confirm)
    prompt = opts.prompt
    on_confirm('delay a function until calls stop for a while')
  end
  vim.fn.setqflist({}, 'f')
  vim.cmd('Arama search')
  H.wait_qf('Arama: delay')
  vim.cmd('cclose')
  return { prompt = prompt, items = H.qf_items(3) }
end)

H.check('filters', function()
  -- Contract v2 filters against the real server: typed in :Arama search, given to the Lua API,
  -- and typed alone (then the words are asked for). Every request's argument is recorded.
  local arama = require('arama')
  local exec = arama.exec
  local sent = {}
  arama.exec = function(client, command, argument, ...)
    if command == 'arama.search' then
      sent[#sent + 1] = vim.deepcopy(argument)
    end
    return exec(client, command, argument, ...)
  end
  local function listed()
    return vim.tbl_map(function(item)
      local hit = item.user_data or {}
      return { path = hit.path, symbol = hit.symbol, kind = hit.symbolKind, text = item.text }
    end, vim.fn.getqflist({ items = 0 }).items)
  end
  local ok, out = pcall(function()
    vim.fn.setqflist({}, 'f')
    vim.cmd('Arama search /x kind:class content:code shopping cart')
    H.wait_qf('Arama: /x kind:class')
    local typed = { title = H.qf_title(), items = listed() }
    vim.fn.setqflist({}, 'f')
    require('arama.commands').search('fixture layout', { content = 'docs' })
    H.wait_qf('Arama: fixture layout')
    local api = { items = listed() }
    local asked
    vim.ui.input = function(opts, on_confirm)
      asked = opts.prompt
      on_confirm('workspace layout')
    end
    local picked
    vim.ui.select = function(items, opts, on_choice)
      picked = { count = #items, first = opts.format_item(items[1]) }
      on_choice(nil, nil)
    end
    vim.cmd('Arama pick content:docs')
    H.wait(30000, function()
      return picked ~= nil
    end, 'vim.ui.select after the prompt')
    vim.cmd('cclose')
    return { typed = typed, api = api, prompt = { asked = asked, picked = picked } }
  end)
  arama.exec = exec
  assert(ok, out)
  -- setup's `expand` applies unless a search says otherwise (no server needed).
  local commands = require('arama.commands')
  local parse = require('arama.query').parse
  local config = arama.config
  local saved = config.expand
  config.expand = true
  local by_setup = commands.search_argument(parse('x'), {})
  local by_opts = commands.search_argument(parse('x'), { expand = false })
  config.expand = saved
  out.sent = sent
  out.expand = { by_setup = by_setup.expand, by_opts = by_opts.expand }
  return out
end)

H.check('query_parse', function()
  -- The query language alone (no server): what each typed query asks the server for.
  local query = require('arama.query')
  local cases = {
    '/s /x kind:function,Method retry kind:12 content:Test,doc',
    'lang:py,TS path:"my dir/**" -path:t/** exclude:*.md x',
    '\\lang:x  a   b /x',
    'x kind: path:"',
    '/L kind:,class, kind:class',
  }
  local out = {}
  for i, typed in ipairs(cases) do
    local parsed = query.parse(typed)
    out[i] = { query = parsed.query, arguments = query.arguments(parsed) }
  end
  return out
end)

H.check('similar_text', function()
  local function hit(similar)
    return {
      uri = vim.uri_from_fname(P.workspace .. '/retry.py'),
      path = 'retry.py',
      range = { start = { line = 9, character = 0 }, ['end'] = { line = 20, character = 0 } },
      snippet = 'def retry_request(url):',
      symbol = 'retry_request',
      similar = similar,
    }
  end
  return vim.tbl_map(function(item)
    return item.text
  end, require('arama.commands').to_items({ hit(2), hit(0), hit(nil) }))
end)

H.check('workspace_symbol', function()
  local list
  local notes = #H.notes
  vim.lsp.buf.workspace_symbol('findUserByEmail', {
    on_list = function(l)
      list = l
    end,
  })
  H.wait(60000, function()
    return list ~= nil or #H.notes > notes
  end, 'workspace/symbol')
  assert(list, 'no symbols: ' .. vim.inspect(H.notes[#H.notes]))
  local items = {}
  for i = 1, math.min(5, #list.items) do
    local item = list.items[i]
    items[i] = { filename = item.filename, lnum = item.lnum, text = item.text, kind = item.kind }
  end
  return { buffer = vim.api.nvim_buf_get_name(0), items = items }
end)

H.check('status', function()
  local count = #H.notes
  vim.cmd('Arama status')
  return H.next_note(count, 10000, ':Arama status')
end)

H.check('status_lines', function()
  -- A server that cannot use its cache directory and has rebuilt something (made-up answer).
  return require('arama.commands').status_lines({
    state = 'starting',
    files = 0,
    chunks = 0,
    pendingFiles = 0,
    pendingChunks = 0,
    embeddedChunks = 0,
    pendingNames = 0,
    model = '',
    cache = { path = '', entries = 0, hits = 0, misses = 0 },
    workspaceFolders = {},
    skippedFiles = {},
    recovered = { 'embedding cache rebuilt: bad header' },
    updates = { batches = 0, paths = 0 },
    error = 'cannot use /ro/arama',
    remoteCache = {
      url = 'redis://editor:***@cache:6379/0',
      mode = 'read',
      state = 'disabled',
      reason = 'AuthenticationError: invalid username-password pair',
      cluster = false,
      hits = 0,
      misses = 0,
      writes = 0,
      errors = 1,
      rejected = 0,
      verified = 0,
      latencyMs = 0,
    },
  })
end)

H.check('stats', function()
  vim.cmd('Arama stats')
  H.wait(10000, function()
    return vim.bo.filetype == 'arama'
  end, 'the stats window')
  local win = vim.api.nvim_get_current_win()
  local config = vim.api.nvim_win_get_config(win)
  local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  vim.api.nvim_feedkeys('q', 'x', false)
  return {
    relative = config.relative,
    lines = lines,
    closed_by_q = not vim.api.nvim_win_is_valid(win),
  }
end)

H.check('server_error', function()
  local count = #H.notes
  require('arama.commands').search('retry', { arguments = { mode = 'fuzzy' } })
  return H.next_note(count, 10000, 'the server error')
end)

H.check('completion', function()
  return {
    top = vim.fn.getcompletion('Arama ', 'cmdline'),
    partial = vim.fn.getcompletion('Arama re', 'cmdline'),
    related = vim.fn.getcompletion('Arama related ', 'cmdline'),
    kind = vim.fn.getcompletion('Arama search retry kind:cl', 'cmdline'),
    content = vim.fn.getcompletion('Arama pick content:', 'cmdline'),
  }
end)

H.check('statusline', function()
  local attached = require('arama').statusline()
  vim.cmd('enew')
  local detached = require('arama').statusline()
  vim.cmd('buffer #')
  return { attached = attached, detached = detached }
end)

H.check('health', function()
  vim.cmd('checkhealth arama')
  return vim.api.nvim_buf_get_lines(0, 0, -1, false)
end)

H.finish()
