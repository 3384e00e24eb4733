--- arama for Neovim 0.11+'s native LSP configuration: with this plugin on the runtime path,
---
---   vim.lsp.enable('arama')
---
--- is all it takes (override fields with `vim.lsp.config('arama', { ... })`). The server is
--- `arama-ls` from PATH, pipx, uv or the project's `.venv` (see |arama-server|). The `:Arama`
--- commands and the statusline work on this path too; `require('arama').setup()` stays for
--- Neovim 0.10 and for the plugin's own options.
---@type vim.lsp.Config
return require('arama').lsp_config()
