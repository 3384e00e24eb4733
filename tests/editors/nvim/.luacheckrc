-- luacheck configuration for the test sessions: `luacheck .` from this directory.
std = 'luajit'
read_globals = { 'vim' }
-- The sessions stub vim.notify, vim.ui.input and vim.ui.select to observe the plugin.
globals = { 'vim.g', 'vim.bo', 'vim.o', 'vim.notify', 'vim.ui' }
max_line_length = 100
