-- Turkish session ($LANG=tr_TR.UTF-8; setup() without options, arama-ls found on $PATH): Turkish
-- plugin and server messages, bad options, help tags, a workspace with no root marker (the file's
-- directory is the root), Turkish file names end to end, an explicit `locale` overriding $LANG.
local H = dofile(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)) .. '/harness.lua')
local P = H.params

H.capture_notify()
H.load_plugin()

H.check('help', function()
  vim.cmd('helptags ' .. vim.fn.fnameescape(P.plugin_dir .. '/doc'))
  local tags = {}
  for _, line in ipairs(vim.fn.readfile(P.plugin_dir .. '/doc/tags')) do
    tags[#tags + 1] = vim.split(line, '\t')[1]
  end
  vim.cmd('help arama.setup()')
  local help_buffer = vim.api.nvim_buf_get_name(0)
  vim.cmd('helpclose')
  return { tags = tags, help_buffer = help_buffer }
end)

H.check('catalog', function()
  local catalog = require('arama.i18n').catalog
  local problems = {}
  local function placeholders(text)
    local names = {}
    for name in text:gmatch('{([%w_]+)}') do
      names[#names + 1] = name
    end
    table.sort(names)
    return table.concat(names, ',')
  end
  for key, text in pairs(catalog.en) do
    if not catalog.tr[key] then
      problems[#problems + 1] = 'missing in tr: ' .. key
    elseif placeholders(text) ~= placeholders(catalog.tr[key]) then
      problems[#problems + 1] = 'placeholders differ: ' .. key
    end
  end
  for key in pairs(catalog.tr) do
    if not catalog.en[key] then
      problems[#problems + 1] = 'missing in en: ' .. key
    end
  end
  table.sort(problems)
  return problems
end)

H.check('bad_options', function()
  local cases = {
    { root_markers = 42 },
    { cmd = 'arama-ls' },
    { cmd = {} },
    { locale = 5 },
    { limit = 0 },
    { init_options = { threads = 'two' } },
    { init_options = { embeddingBackend = 'cuda' } },
    { init_options = { searchBudgetMs = 0 } },
    { init_options = { searchBudgetMs = 600001 } },
    { expand = 'yes' },
    { init_options = { remoteCache = { url = 'http://cache:6379' } } },
    { init_options = { remoteCache = { mode = 'read' } } },
    { init_options = { remoteCache = { url = 'redis://cache', mode = 'write' } } },
    { init_options = { remoteCache = { url = 'redis://cache', timeoutMs = 0 } } },
    { init_options = { remoteCache = { url = 'redis://cache', verifyFraction = 2 } } },
    { init_options = { remoteCache = { url = 'redis://cache', passwordEnv = 'A-B' } } },
    { picker = 'fzf' },
    { init_options = { remoteCache = { url = 'redis://cache', pasword = 'x' } } },
    { rootmarkers = { '.git' } },
  }
  local out = {}
  for i, opts in ipairs(cases) do
    local ok, err = pcall(require('arama').setup, opts)
    out[i] = { ok = ok, error = tostring(err) }
  end
  return {
    cases = out,
    configured = require('arama').config ~= nil,
    clients = #vim.lsp.get_clients(),
    statusline = require('arama').statusline(),
  }
end)

-- No options at all: arama-ls comes from $PATH, the cache from $XDG_CACHE_HOME (both set up by
-- the Python test to point into its temporary directory).
require('arama').setup()
local track = H.track_progress()
vim.cmd.edit(P.workspace .. '/çalışma_dosyası.py')

H.check('tr_ready', function()
  H.wait(120000, function()
    return track.sample():match('^arama: hazır') ~= nil
  end, 'the statusline to say hazır')
  return {
    statuslines = track.statuslines,
    progress_titles = vim.tbl_map(function(p)
      return p.title or ''
    end, track.progress),
    language = require('arama.i18n').language(),
    clients = H.clients(),
  }
end)

H.check('tr_prompt', function()
  local prompt
  vim.ui.input = function(opts, on_confirm)
    prompt = opts.prompt
    on_confirm(nil) -- cancelled: nothing happens
  end
  vim.cmd('Arama search')
  H.wait(5000, function()
    return prompt ~= nil
  end, 'vim.ui.input')
  return prompt
end)

H.check('tr_search', function()
  vim.fn.setqflist({}, 'f')
  vim.cmd('Arama search dosyadaki en sık geçen kelimeyi bul')
  H.wait_qf('Arama: dosyadaki')
  vim.cmd('cclose')
  return { title = H.qf_title(), items = H.qf_items(3) }
end)

H.check('tr_similar', function()
  local items = require('arama.commands').to_items({
    {
      uri = vim.uri_from_fname(P.workspace .. '/çalışma_dosyası.py'),
      path = 'çalışma_dosyası.py',
      range = { start = { line = 3, character = 0 }, ['end'] = { line = 8, character = 0 } },
      snippet = 'def dosyayı_oku(yol):',
      symbol = 'dosyayı_oku',
      similar = 3,
    },
  })
  return items[1].text
end)

H.check('tr_server_error', function()
  local count = #H.notes
  require('arama.commands').search('sayaç', { arguments = { mode = 'bulanık' } })
  return H.next_note(count, 10000, 'the server error')
end)

H.check('tr_unknown_command', function()
  local count = #H.notes
  vim.cmd('Arama bilinmeyen')
  return H.next_note(count, 1000, 'the unknown command message')
end)

H.check('tr_stats', function()
  vim.cmd('Arama stats')
  H.wait(10000, function()
    return vim.bo.filetype == 'arama'
  end, 'the stats window')
  local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  vim.api.nvim_feedkeys('q', 'x', false)
  return lines
end)

H.check('tr_health', function()
  vim.cmd('checkhealth arama')
  local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  vim.cmd('bwipeout')
  return lines
end)

H.check('explicit_locale', function()
  require('arama').setup({ locale = 'en' })
  vim.wait(500) -- vim.lsp.enable() re-runs for open buffers (scheduled): the client is reused
  return {
    prompt = require('arama.i18n').t('prompt.search'),
    statusline = require('arama').statusline(),
    clients = #vim.lsp.get_clients(),
  }
end)

H.finish()
