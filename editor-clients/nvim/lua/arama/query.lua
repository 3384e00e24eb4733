--- The small query language of `:Arama search` and `:Arama pick`, the same as the VS Code
--- extension's search box (editor-clients/vscode/src/query.ts):
---
---   /s QUERY          semantic mode      (also /semantic; /l /lexical, /h /hybrid)
---   /x QUERY          whole definitions  (also /expand; with a mode: /s /x QUERY)
---   lang:python       only these languages (comma-separated, repeatable; py, ts, rs, ...)
---   kind:function     only definitions of these LSP symbol kinds (comma-separated, repeatable;
---                     names in any case, or numbers: kind:class,12)
---   content:tests     only code, tests or docs (comma-separated, repeatable; test, doc too)
---   path:src/**       only paths matching this glob (repeatable; also in:)
---   -path:test/**     leave these paths out (also exclude:, repeatable)
---   path:"my dir/**"  values may be quoted
---   \lang:x           a backslash keeps a word literal: searches for "lang:x"
---
--- Mode and expand prefixes count only at the start; filters anywhere. Everything else is the
--- query text, with runs of white space collapsed.
local M = {}

M.modes = {
  ['/s'] = 'semantic',
  ['/semantic'] = 'semantic',
  ['/l'] = 'lexical',
  ['/lexical'] = 'lexical',
  ['/h'] = 'hybrid',
  ['/hybrid'] = 'hybrid',
}

M.expand_prefixes = { ['/x'] = true, ['/expand'] = true }

--- Short names people type, mapped to the LSP language ids the server knows.
M.language_aliases = {
  py = 'python',
  python3 = 'python',
  js = 'javascript',
  jsx = 'javascriptreact',
  ts = 'typescript',
  tsx = 'typescriptreact',
  rs = 'rust',
  golang = 'go',
  rb = 'ruby',
  cs = 'csharp',
  ['c#'] = 'csharp',
  ['c++'] = 'cpp',
  cc = 'cpp',
  cxx = 'cpp',
  kt = 'kotlin',
  sh = 'shellscript',
  bash = 'shellscript',
  shell = 'shellscript',
  zsh = 'shellscript',
  md = 'markdown',
  yml = 'yaml',
  txt = 'plaintext',
  text = 'plaintext',
}

--- The values of the server's `content` filter, and the singular forms people type.
M.contents = { 'code', 'tests', 'docs' }
M.content_aliases = { test = 'tests', doc = 'docs' }

--- LSP SymbolKind names (the server takes them in any case, or the numbers 1..26).
M.kinds = {
  'file',
  'module',
  'namespace',
  'package',
  'class',
  'method',
  'property',
  'field',
  'constructor',
  'enum',
  'interface',
  'function',
  'variable',
  'constant',
  'string',
  'number',
  'boolean',
  'array',
  'object',
  'key',
  'null',
  'enumMember',
  'struct',
  'event',
  'operator',
  'typeParameter',
}

-- Filter key -> which list of the parsed query it fills.
local KEYS = {
  lang = 'languages',
  language = 'languages',
  kind = 'kinds',
  content = 'content',
  path = 'paths',
  ['in'] = 'paths',
  ['-path'] = 'exclude',
  ['!path'] = 'exclude',
  exclude = 'exclude',
  ['-in'] = 'exclude',
}

local function normalize_language(name)
  local lower = vim.trim(name):lower()
  return M.language_aliases[lower] or lower
end

local function normalize_kind(name)
  local lower = vim.trim(name):lower()
  return lower:match('^%d+$') and tonumber(lower) or lower
end

local function normalize_content(name)
  local lower = vim.trim(name):lower()
  return M.content_aliases[lower] or lower
end

local NORMALIZE = {
  languages = normalize_language,
  kinds = normalize_kind,
  content = normalize_content,
}

--- Splits on white space; a `key:"..."` value may hold spaces (a missing closing quote runs to
--- the end). Tokens: { text, key?, value?, literal? }.
---@param input string
---@return table[]
local function tokenize(input)
  local tokens = {}
  local i, n = 1, #input
  while i <= n do
    local s = input:find('%S', i)
    if not s then
      break
    end
    local word_end = (input:find('%s', s) or n + 1) - 1
    local word = input:sub(s, word_end)
    local key = word:match('^([-!]?%a+):')
    key = key and key:lower()
    if word:sub(1, 1) == '\\' then
      if #word > 1 then
        tokens[#tokens + 1] = { text = word:sub(2), literal = true }
      end
      i = word_end + 1
    elseif key and KEYS[key] then
      local value_start = s + #key + 1
      if input:sub(value_start, value_start) == '"' then
        local close = input:find('"', value_start + 1, true)
        local value = input:sub(value_start + 1, close and close - 1 or n)
        i = close and (input:find('%s', close) or n + 1) or n + 1 -- junk glued to the quote
        tokens[#tokens + 1] = { text = input:sub(s, i - 1), key = key, value = value }
      else
        tokens[#tokens + 1] = { text = word, key = key, value = input:sub(value_start, word_end) }
        i = word_end + 1
      end
    else
      tokens[#tokens + 1] = { text = word }
      i = word_end + 1
    end
  end
  return tokens
end

---@class arama.ParsedQuery
---@field query string the words left for the server (may be empty)
---@field mode 'hybrid'|'semantic'|'lexical'|nil from a prefix; nil: none given
---@field expand boolean|nil true after a `/x` prefix
---@field languages string[]
---@field kinds (string|integer)[]
---@field content string[]
---@field paths string[]
---@field exclude string[]

--- Parses a typed query.
---@param input string|nil
---@return arama.ParsedQuery
function M.parse(input)
  local parsed = {
    query = '',
    languages = {},
    kinds = {},
    content = {},
    paths = {},
    exclude = {},
  }
  local words = {}
  local leading = true -- mode and expand prefixes only lead the query
  for _, token in ipairs(tokenize(input or '')) do
    local prefix = (leading and not token.key and not token.literal) and token.text:lower() or nil
    if prefix and M.modes[prefix] then
      parsed.mode = M.modes[prefix]
    elseif prefix and M.expand_prefixes[prefix] then
      parsed.expand = true
    else
      leading = false
      if not token.key then
        words[#words + 1] = token.text
      else
        local list = parsed[KEYS[token.key]]
        local value = vim.trim(token.value)
        local normalize = NORMALIZE[KEYS[token.key]]
        -- Lists are comma-separated; globs are taken whole. An empty value is still being typed.
        for _, part in ipairs(normalize and vim.split(value, ',', { plain = true }) or { value }) do
          local item = normalize and normalize(part) or part
          if item ~= '' and not vim.tbl_contains(list, item) then
            list[#list + 1] = item
          end
        end
      end
    end
  end
  parsed.query = table.concat(words, ' ')
  return parsed
end

--- The `arama.search` arguments a parsed query sets (the query text aside): only what was given.
---@param parsed arama.ParsedQuery
---@return table
function M.arguments(parsed)
  local args = {}
  args.mode = parsed.mode
  args.expand = parsed.expand
  for _, key in ipairs({ 'languages', 'kinds', 'content', 'paths', 'exclude' }) do
    if #parsed[key] > 0 then
      args[key] = parsed[key]
    end
  end
  return args
end

--- Completion of a filter value being typed: `kind:fu` -> `kind:function`, `content:` -> the three.
---@param arglead string
---@return string[]
function M.complete(arglead)
  local key, typed = arglead:match('^(%a+):(.*)$')
  local values = key == 'kind' and M.kinds or key == 'content' and M.contents or nil
  if not values then
    return {}
  end
  local done, last = typed:match('^(.*,)([^,]*)$') -- kind:class,me -> complete after the comma
  done, last = done or '', last or typed
  local out = {}
  for _, value in ipairs(values) do
    if vim.startswith(value:lower(), last:lower()) then
      out[#out + 1] = key .. ':' .. done .. value
    end
  end
  return out
end

return M
