-- luacheck configuration: `luacheck .` from this directory.
std = 'luajit'
read_globals = { 'vim' }
-- Option and variable tables are written to by design.
globals = { 'vim.g', 'vim.b', 'vim.w', 'vim.o', 'vim.bo', 'vim.wo', 'vim.go', 'vim.env' }
max_line_length = 120
files['lua/arama/i18n.lua'] = { max_line_length = false } -- message catalog
