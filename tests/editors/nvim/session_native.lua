-- Native session (Neovim 0.11's own LSP configuration, no setup()): the plugin on the runtime
-- path, `vim.lsp.enable('arama')` and nothing else. arama-ls is found where pipx puts it
-- (~/.local/bin, set up by the Python test; not on $PATH). Then the statusline, a search and a
-- picker with previews (a stand-in Telescope, since none can be installed here) on that path.
local H = dofile(vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2)) .. '/harness.lua')
local P = H.params

H.capture_notify()
H.load_plugin()
vim.o.columns = 120
vim.o.lines = 40

-- The one override, the 0.11 way: the English session's cache (its ONNX export and embeddings).
vim.lsp.config('arama', { init_options = { cacheDir = P.cache_dir } })

H.check('config_file', function()
  local files = vim.api.nvim_get_runtime_file('lsp/arama.lua', true)
  local config = vim.lsp.config.arama
  return {
    files = files,
    cmd = config and config.cmd,
    has_root_dir = config and type(config.root_dir) == 'function',
    root_markers = config and config.root_markers,
    init_options = config and config.init_options,
    setup_called = require('arama').config ~= nil,
  }
end)

vim.lsp.enable('arama')
local track = H.track_progress()
vim.cmd.edit(P.workspace .. '/retry.py')

H.check('attached', function()
  H.wait(30000, function()
    return #vim.lsp.get_clients({ name = 'arama', bufnr = 0 }) > 0
  end, 'an arama client attached to retry.py')
  local client = vim.lsp.get_clients({ name = 'arama', bufnr = 0 })[1]
  H.wait(30000, function()
    return client.initialized
  end, 'initialize')
  return {
    enabled = vim.lsp.is_enabled('arama'),
    cmd = client.config.cmd,
    root_dir = client.root_dir,
    server_version = client.server_info and client.server_info.version,
    init_locale = client.config.init_options and client.config.init_options.locale,
  }
end)

H.check('ready', function()
  H.wait(150000, function()
    return track.sample():match('ready') ~= nil
  end, 'the statusline to say ready')
  return { statuslines = track.statuslines }
end)

H.check('search', function()
  vim.cmd('Arama search retry a failed request with exponential backoff')
  H.wait_qf('Arama: retry a failed')
  return { title = H.qf_title(), items = H.qf_items(3) }
end)

H.check('picker_preview', function()
  -- A stand-in for telescope.nvim's modules (none can be installed offline): records what the
  -- plugin hands to Telescope and confirms the first entry, as <CR> would.
  local seen = {}
  local function module(name, value)
    package.preload[name] = function()
      return value
    end
  end
  local default = {}
  function default:replace(fn)
    seen.replaced = fn
  end
  module('telescope.pickers', {
    new = function(_, spec)
      seen.title = spec.prompt_title
      seen.entries = vim.tbl_map(spec.finder.entry_maker, spec.finder.results)
      seen.previewer = spec.previewer
      return {
        find = function()
          spec.attach_mappings(1)
          seen.replaced()
        end,
      }
    end,
  })
  module('telescope.finders', {
    new_table = function(spec)
      return spec
    end,
  })
  module('telescope.config', {
    values = {
      generic_sorter = function()
        return 'sorter'
      end,
      grep_previewer = function()
        return 'grep_previewer'
      end,
    },
  })
  module('telescope.actions', { select_default = default, close = function() end })
  module('telescope.actions.state', {
    get_selected_entry = function()
      return seen.entries[1]
    end,
  })
  vim.cmd('cclose')
  vim.cmd('Arama pick split an HTTP header line into name and value')
  H.wait(60000, function()
    return seen.entries ~= nil
  end, 'the Telescope picker')
  H.wait(5000, function()
    return vim.api.nvim_buf_get_name(0):match('http%.go$') ~= nil
  end, 'the jump to the chosen entry')
  local first = seen.entries[1]
  return {
    resolved = require('arama.pickers').resolve('auto'),
    title = seen.title,
    previewer = seen.previewer,
    count = #seen.entries,
    first = { display = first.display, filename = first.filename, lnum = first.lnum },
    buffer = vim.api.nvim_buf_get_name(0),
    cursor = vim.api.nvim_win_get_cursor(0),
  }
end)

H.check('missing_picker', function()
  for name in pairs(package.loaded) do
    if name:match('^telescope') then
      package.loaded[name] = nil
      package.preload[name] = nil
    end
  end
  local count = #H.notes
  local used = require('arama.pickers').resolve('snacks')
  return { used = used, note = H.notes[count + 1] and H.notes[count + 1].message }
end)

H.check('missing_server', function()
  -- No arama-ls anywhere (an empty HOME, an empty PATH): the native config says so once, with
  -- the install command, instead of Neovim's spawn error.
  local home, path = vim.env.HOME, vim.env.PATH
  local empty = vim.fn.tempname()
  vim.fn.mkdir(empty, 'p')
  vim.env.HOME, vim.env.PATH = empty, ''
  local count = #H.notes
  local ok, config = pcall(require('arama').lsp_config)
  vim.env.HOME, vim.env.PATH = home, path
  assert(ok, config)
  local note = H.next_note(count, 5000, 'the not-found message')
  return { cmd = config.cmd, note = note.message, level = note.level }
end)

H.finish()
vim.cmd('qall!')
