--- `:checkhealth arama`: Neovim version, the server executable, running clients, model and index.
local M = {}

local function present(value)
  return value ~= nil and value ~= vim.NIL and value ~= ''
end

local function check_version(health, t)
  local v = vim.version()
  local version = string.format('%d.%d.%d', v.major, v.minor, v.patch)
  if vim.fn.has('nvim-0.11') == 1 then
    health.ok(t('health.version_ok', { version = version }))
  elseif vim.fn.has('nvim-0.10') == 1 then
    health.ok(t('health.version_010', { version = version }))
  else
    health.error(t('health.version_old', { version = version }))
  end
end

local function check_executable(health, t, cmd)
  if type(cmd) == 'function' then
    health.info(t('health.cmd_function'))
    return
  end
  local exe = cmd[1]
  if vim.fn.executable(exe) == 0 then
    health.error(t('health.cmd_missing', { cmd = exe }), { t('health.cmd_missing_advice') })
    return
  end
  health.ok(t('health.cmd_found', { cmd = exe, path = vim.fn.exepath(exe) }))
  local argv = vim.list_extend(vim.deepcopy(cmd), { '--version' })
  local ok, result = pcall(function()
    return vim.system(argv, { text = true }):wait(30000)
  end)
  local output = ok and vim.trim((result.stdout or '') .. (result.stderr or '')) or tostring(result)
  if ok and result.code == 0 then
    health.ok(t('health.starts', { version = output }))
  else
    local lines = vim.split(output, '\n')
    health.error(t('health.start_failed', {
      cmd = table.concat(cmd, ' '),
      code = ok and result.code or '?',
      output = lines[#lines] or '',
    }))
  end
end

local function check_client(health, t, arama, client)
  health.ok(t('health.client', {
    id = client.id,
    root = client.root_dir and vim.fn.fnamemodify(client.root_dir, ':~') or '-',
    buffers = vim.tbl_count(client.attached_buffers or {}),
  }))
  local status, err = arama.exec_sync(client, 'arama.status', nil, 10000)
  if not status then
    health.error(t('health.status_failed', { message = err }))
    return
  end
  ---@cast status arama.Status
  arama.record_status(client.id, status)
  if present(status.model) then
    health.ok(t('health.model', { model = status.model }))
  else
    health.info(t('health.no_model'))
  end
  local i18n = require('arama.i18n')
  local index = t('health.index', {
    state = present(status.state) and i18n.t('state.' .. status.state) or '?',
    files = status.files or 0,
    chunks = status.chunks or 0,
    pending = status.pendingFiles or 0,
  })
  if status.state == 'ready' then
    health.ok(index)
  else
    health.info(index)
  end
  if present(status.error) then
    health.error(t('health.error', { message = status.error }))
  end
  for _, note in ipairs(type(status.recovered) == 'table' and status.recovered or {}) do
    health.warn(t('health.recovered', { note = note }))
  end
  local cache = type(status.cache) == 'table' and status.cache or {}
  if present(cache.path) then
    health.info(t('health.cache', {
      path = vim.fn.fnamemodify(cache.path, ':~'),
      entries = cache.entries or 0,
    }))
  end
  if type(status.skippedFiles) == 'table' and next(status.skippedFiles) then
    local parts = {}
    for reason, count in vim.spairs(status.skippedFiles) do
      parts[#parts + 1] = string.format('%s %s', reason, tostring(count))
    end
    health.info(t('health.skipped', { skipped = table.concat(parts, ', ') }))
  end
end

--- Entry point of `:checkhealth arama`.
function M.check()
  local health = vim.health
  local t = require('arama.i18n').t
  local arama = require('arama')
  health.start('arama')
  check_version(health, t)
  local config = arama.options()
  if arama.config then
    health.ok(t('health.setup', {
      locale = require('arama.i18n').language(),
      markers = table.concat(config.root_markers, ', '),
    }))
  else
    health.warn(t('health.no_setup'))
  end
  check_executable(health, t, config.cmd)
  local clients = vim.lsp.get_clients({ name = arama.name })
  if #clients == 0 then
    if arama.config then
      health.warn(t('health.no_client'))
    end
    return
  end
  for _, client in ipairs(clients) do
    check_client(health, t, arama, client)
  end
end

return M
