--- Where `:Arama pick` and `:Arama related pick` show results: Telescope or snacks.nvim (with a
--- preview of each hit) when one is installed, else |vim.ui.select()|. Detected at run time, never
--- required; the `picker` option of |arama.setup()| chooses (`auto`, `select`, `telescope`,
--- `snacks`).
local M = {}

local function t(key, vars)
  return require('arama.i18n').t(key, vars)
end

local function loaded(module)
  local ok, value = pcall(require, module)
  return ok and value or nil
end

--- The picker to use for `choice` (`auto` picks the first installed of Telescope, snacks).
---@param choice string|nil the `picker` option
---@return 'telescope'|'snacks'|'select'
function M.resolve(choice)
  choice = choice or 'auto'
  if choice == 'select' then
    return 'select'
  end
  local has = {
    telescope = loaded('telescope.pickers') ~= nil,
    snacks = (rawget(_G, 'Snacks') ~= nil and _G.Snacks.picker ~= nil) or loaded('snacks.picker') ~= nil,
  }
  if choice == 'auto' then
    return (has.telescope and 'telescope') or (has.snacks and 'snacks') or 'select'
  end
  if has[choice] then
    return choice
  end
  vim.notify(t('notify.picker_missing', { picker = choice }), vim.log.levels.WARN, { title = 'arama' })
  return 'select'
end

---@class arama.PickOpts
---@field title string
---@field format fun(item: table): string one line per quickfix-style item
---@field on_choice fun(item: table) called with the chosen item

local function telescope(items, opts)
  local pickers = require('telescope.pickers')
  local finders = require('telescope.finders')
  local conf = require('telescope.config').values
  local actions = require('telescope.actions')
  local action_state = require('telescope.actions.state')
  pickers
    .new({}, {
      prompt_title = opts.title,
      finder = finders.new_table({
        results = items,
        entry_maker = function(item)
          local line = opts.format(item)
          return {
            value = item,
            display = line,
            ordinal = line,
            filename = item.filename,
            lnum = item.lnum,
            col = item.col,
          }
        end,
      }),
      sorter = conf.generic_sorter({}),
      -- Shows the file around `lnum`, the hit's first line highlighted.
      previewer = conf.grep_previewer({}),
      attach_mappings = function(prompt_bufnr)
        actions.select_default:replace(function()
          local entry = action_state.get_selected_entry()
          actions.close(prompt_bufnr)
          if entry then
            opts.on_choice(entry.value)
          end
        end)
        return true
      end,
    })
    :find()
end

local function snacks(items, opts)
  local picker = rawget(_G, 'Snacks') and _G.Snacks.picker or require('snacks.picker')
  local entries = {}
  for i, item in ipairs(items) do
    entries[i] = {
      idx = i,
      text = opts.format(item),
      file = item.filename,
      pos = { item.lnum, math.max(0, (item.col or 1) - 1) },
      end_pos = item.end_lnum and { item.end_lnum, 0 } or nil,
      arama_item = item,
    }
  end
  picker.pick({
    source = 'arama',
    title = opts.title,
    items = entries,
    format = 'file',
    preview = 'file',
    confirm = function(p, entry)
      p:close()
      if entry then
        opts.on_choice(entry.arama_item)
      end
    end,
  })
end

--- Shows `items` (quickfix-style, see `commands.to_items`) in the chosen picker.
---@param items table[]
---@param opts arama.PickOpts
---@param choice string|nil the `picker` option
---@return string the picker used
function M.pick(items, opts, choice)
  local which = M.resolve(choice)
  if which == 'telescope' then
    telescope(items, opts)
  elseif which == 'snacks' then
    snacks(items, opts)
  else
    vim.ui.select(items, { prompt = opts.title, kind = 'arama', format_item = opts.format }, function(item)
      if item then
        opts.on_choice(item)
      end
    end)
  end
  return which
end

return M
