-- Shared helpers for the headless Neovim sessions run by tests/editors/test_nvim.py.
--
-- The Python test writes a JSON file of parameters and names it in $ARAMA_NVIM_TEST:
--   plugin_dir, arama_ls, workspace, cache_dir, results (a JSON file this harness writes).
-- Each named check runs protected; its value (or error) lands in the results file at once, so a
-- timeout still leaves the checks done so far. Diagnostics go to stderr (print() does too).
local H = {}

local params_path = assert(os.getenv('ARAMA_NVIM_TEST'), '$ARAMA_NVIM_TEST is not set')
H.params = vim.json.decode(table.concat(vim.fn.readfile(params_path), '\n'))
H.results = {}
H.notes = {} -- every vim.notify call: { message, level }

local started = vim.uv.hrtime()

local function elapsed()
  return (vim.uv.hrtime() - started) / 1e9
end

function H.log(fmt, ...)
  io.stderr:write(string.format('[test %6.2fs] ' .. fmt .. '\n', elapsed(), ...))
end

function H.save()
  vim.fn.writefile({ vim.json.encode(H.results) }, H.params.results)
end

--- Runs `fn` protected and records { ok, value | error, seconds } under `name`.
function H.check(name, fn)
  local t0 = vim.uv.hrtime()
  local ok, value = xpcall(fn, debug.traceback)
  H.results[name] = {
    ok = ok,
    value = ok and value or nil,
    error = (not ok) and tostring(value) or nil,
    seconds = (vim.uv.hrtime() - t0) / 1e9,
  }
  H.log('%s: %s', name, ok and 'ok' or ('FAILED: ' .. tostring(value)))
  H.save()
  H.capture(name)
  return ok, value
end

local captures = 0

--- Writes what the screen shows after a step to `screens/NN-name.txt` (when the test asks for
--- screens): each window's visible lines with its name and evaluated statusline, the command
--- line's last message, and the notifications so far. Headless Neovim has no grid to grab, so
--- this is the screen as text.
function H.capture(name)
  if not H.params.screens then
    return
  end
  captures = captures + 1
  local out = { string.format('== step %s (%.2f s) ==', name, elapsed()) }
  for _, win in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
    local buf = vim.api.nvim_win_get_buf(win)
    local info = vim.fn.getwininfo(win)[1] or {}
    local top, bot = info.topline or 1, info.botline or 1
    local cursor = vim.api.nvim_win_get_cursor(win)
    out[#out + 1] = string.format(
      '--- window %d: %s [%s] lines %d-%d, cursor %d:%d%s',
      win,
      vim.fn.fnamemodify(vim.api.nvim_buf_get_name(buf), ':t'),
      vim.bo[buf].buftype ~= '' and vim.bo[buf].buftype or vim.bo[buf].filetype,
      top,
      bot,
      cursor[1],
      cursor[2],
      win == vim.api.nvim_get_current_win() and ' (current)' or ''
    )
    for i, line in ipairs(vim.api.nvim_buf_get_lines(buf, top - 1, bot, false)) do
      out[#out + 1] = string.format('%4d | %s', top + i - 1, line)
    end
    local ok, status = pcall(vim.api.nvim_eval_statusline, "%f %= %{v:lua.require'arama'.statusline()}", { winid = win })
    out[#out + 1] = '[statusline] ' .. (ok and status.str or '?')
  end
  for i = math.max(1, #H.notes - 4), #H.notes do
    out[#out + 1] = '[notify] ' .. H.notes[i].message
  end
  vim.fn.mkdir(H.params.screens, 'p')
  vim.fn.writefile(out, string.format('%s/%02d-%s.txt', H.params.screens, captures, name))
end

--- vim.wait that raises when `cond` stays false.
function H.wait(ms, cond, what)
  if not vim.wait(ms, cond, 20) then
    error(string.format('timed out after %d ms waiting for %s', ms, what), 2)
  end
end

function H.capture_notify()
  vim.notify = function(message, level)
    H.notes[#H.notes + 1] = { message = tostring(message), level = level }
    H.log('notify(%s): %s', tostring(level), tostring(message))
  end
end

--- Waits for the next notification after index `count` and returns it.
function H.next_note(count, ms, what)
  H.wait(ms or 30000, function()
    return #H.notes > count
  end, what or 'a notification')
  return H.notes[count + 1]
end

--- The plugin on the runtimepath, its plugin/ file sourced (-u NONE loads no plugins).
function H.load_plugin()
  vim.opt.rtp:prepend(H.params.plugin_dir)
  vim.cmd.runtime('plugin/arama.lua')
end

--- The first `limit` quickfix items as plain tables.
function H.qf_items(limit)
  local out = {}
  for i, item in ipairs(vim.fn.getqflist()) do
    if i > limit then
      break
    end
    out[#out + 1] = {
      filename = vim.api.nvim_buf_get_name(item.bufnr),
      lnum = item.lnum,
      col = item.col,
      text = item.text,
    }
  end
  return out
end

function H.qf_title()
  return vim.fn.getqflist({ title = 1 }).title or ''
end

--- Waits until the quickfix list has a title starting with `prefix` and at least one item.
function H.wait_qf(prefix, ms)
  H.wait(ms or 60000, function()
    return vim.startswith(H.qf_title(), prefix) and #vim.fn.getqflist() > 0
  end, "a quickfix list titled '" .. prefix .. "...'")
end

--- Records statusline values and LspProgress events from now on.
function H.track_progress()
  local track = { statuslines = {}, progress = {} }
  vim.api.nvim_create_autocmd('LspProgress', {
    callback = function(args)
      local value = args.data and args.data.params and args.data.params.value or {}
      local client = vim.lsp.get_client_by_id(args.data.client_id)
      track.progress[#track.progress + 1] = {
        client = client and client.name or '?',
        kind = value.kind,
        percentage = value.percentage,
        message = value.message,
        title = value.title,
      }
    end,
  })
  function track.sample()
    local line = require('arama').statusline()
    if track.statuslines[#track.statuslines] ~= line then
      track.statuslines[#track.statuslines + 1] = line
    end
    return line
  end
  return track
end

function H.clients()
  return vim.tbl_map(function(client)
    return {
      name = client.name,
      root_dir = client.root_dir,
      buffers = vim.tbl_map(vim.api.nvim_buf_get_name, vim.tbl_keys(client.attached_buffers)),
    }
  end, vim.lsp.get_clients())
end

--- Stops every client, waits for them to exit, and marks the run complete.
function H.finish()
  for _, client in ipairs(vim.lsp.get_clients()) do
    client:stop()
  end
  local stopped = vim.wait(10000, function()
    return #vim.lsp.get_clients() == 0
  end, 50)
  H.results._done = { ok = true, value = { clients_stopped = stopped, seconds = elapsed() } }
  H.save()
  H.log('done')
end

return H
