-- :Arama {search|pick|related|reindex|status|stats} — the modules load on first use.
if vim.g.loaded_arama then
  return
end
vim.g.loaded_arama = true

vim.api.nvim_create_user_command('Arama', function(opts)
  require('arama.commands').run(opts)
end, {
  nargs = '*',
  desc = 'arama: semantic code search (search, pick, related, reindex, status, stats)',
  complete = function(arglead, cmdline)
    return require('arama.commands').complete(arglead, cmdline)
  end,
})
