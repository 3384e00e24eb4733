--- Every sentence a person reads, in English and Turkish.
---
--- The language comes from the `locale` option of |arama.setup()|, else from |v:lang|,
--- `$LC_ALL`, `$LC_MESSAGES` and `$LANG` (a "C"/"POSIX" value counts as unset), else English.
--- The same locale is sent to the server, so its errors come back in the same language.
local M = {}

---@type table<string, table<string, string>>
M.catalog = {
  en = {
    ['prompt.search'] = 'Arama search: ',
    ['title.search'] = 'Arama: {query}',
    ['title.related'] = 'Arama: related to {symbol}',
    ['result.similar'] = '+{count} similar',
    ['notify.no_results'] = "Arama: no results for '{query}'.",
    ['notify.no_related'] = 'Arama: nothing related to {symbol} found.',
    ['notify.incomplete'] = 'Arama: the index is still being built; results may be incomplete.',
    ['notify.partial'] = 'Arama: the search ran out of time; results may be incomplete.',
    ['notify.reindex'] = 'Arama: reindexing {count} files.',
    ['notify.tuning'] = 'Arama: tuning search with your questions (about a minute)…',
    ['notify.tune_numbers'] = 'Held-out documentation, hybrid MRR@10: {base} alone, {tuned} tuned.',
    ['notify.tune_reset'] = 'Arama: search tuning forgotten; the model alone answers again.',
    ['notify.tune_none'] = 'Arama: there is no search tuning to forget.',
    ['notify.not_running'] = 'Arama: the server is not running here. Open a file inside a project (root markers: {markers}) or see :checkhealth arama.',
    ['notify.not_executable'] = "Arama: '{cmd}' is not executable. Install arama or set `cmd` in require('arama').setup(). See :checkhealth arama.",
    ['notify.not_found'] = "Arama: the language server 'arama-ls' was not found (PATH, pipx and uv tool folders, the project's .venv). Install it: in the arama repository run `make dist`, then `{command}`; or set `cmd` with vim.lsp.config('arama', { cmd = { '/path/to/arama-ls' } }).",
    ['notify.no_setup'] = "Arama: call require('arama').setup() first (see :help arama-setup).",
    ['notify.no_file'] = 'Arama: the current buffer is not a file in the workspace.',
    ['notify.start_timeout'] = 'Arama: the server did not start within {seconds} seconds.',
    ['notify.server_error'] = 'Arama: {message}',
    ['notify.unknown_command'] = "Arama: unknown command '{name}'. Available: {names}.",
    ['notify.usage'] = 'Usage: :Arama {names}',
    ['status.summary'] = 'Arama: {state}, {files} files, {chunks} chunks ({pending} files waiting).',
    ['status.model'] = 'Model: {model}',
    ['status.cache'] = 'Embedding cache: {entries} entries, {hits} hits, {misses} misses ({path})',
    ['status.folders'] = 'Workspace folders: {folders}',
    ['status.skipped'] = 'Skipped files: {skipped}',
    ['status.error'] = 'Error: {message}',
    ['status.recovered'] = 'Recovered: {note}',
    ['status.team'] = 'Team cache: {url} ({mode}), {state}: {hits} found, {misses} missing, {writes} written, {errors} errors',
    ['status.team_reason'] = 'Team cache: {reason}',
    ['team.ok'] = 'working',
    ['team.backing-off'] = 'not answering, embedding locally',
    ['team.disabled'] = 'off for this session, embedding locally',
    ['state.starting'] = 'starting',
    ['state.indexing'] = 'indexing',
    ['state.ready'] = 'ready',
    ['statusline.starting'] = 'arama: starting',
    ['statusline.indexing'] = 'arama: indexing',
    ['statusline.indexing_pct'] = 'arama: indexing {pct}%',
    ['statusline.ready'] = 'arama: ready ({chunks} chunks)',
    ['statusline.error'] = 'arama: error',
    ['stats.title'] = 'Arama: index statistics',
    ['stats.files'] = 'Files',
    ['stats.total'] = 'Total size',
    ['stats.average'] = 'Average file size',
    ['stats.recent'] = 'Changed in the last 7 days',
    ['stats.languages'] = 'Languages',
    ['stats.queries'] = 'Popular searches',
    ['stats.none'] = '(none yet)',
    ['stats.close'] = 'q: close',
    ['setup.invalid'] = "arama.setup(): invalid option '{name}': expected {expected}, got {got}",
    ['expect.picker'] = 'one of "auto", "select", "telescope", "snacks"',
    ['expect.remote_url'] = 'a redis://, rediss:// or unix:// URL',
    ['expect.remote_mode'] = '"read" or "read-write"',
    ['expect.timeout'] = 'an integer from 1 to 60000 (milliseconds)',
    ['expect.fraction'] = 'a number from 0 to 1',
    ['expect.ttl'] = 'an integer from 0 to 315360000 (seconds)',
    ['expect.env_name'] = 'an environment variable name (letters, digits, _)',
    ['notify.picker_missing'] = "Arama: the '{picker}' picker is not installed; using vim.ui.select.",
    ['expect.table'] = 'a table',
    ['expect.string'] = 'a string',
    ['expect.boolean'] = 'true or false',
    ['expect.cmd'] = 'a list of strings such as { "arama-ls" }, or a function',
    ['expect.markers'] = 'a list of file names such as { ".git" }',
    ['expect.filetypes'] = 'a non-empty list of filetypes',
    ['expect.limit'] = 'an integer from 1 to 200',
    ['expect.globs'] = 'a list of glob strings',
    ['expect.positive'] = 'a positive integer',
    ['expect.backend'] = 'one of "onnx", "onnx-int8", "torch"',
    ['expect.budget'] = 'an integer from 1 to 600000',
    ['setup.unknown'] = "arama.setup(): unknown option '{name}' (known: {names})",
    ['health.version_ok'] = 'Neovim {version}',
    ['health.version_old'] = 'Neovim {version} is too old: arama needs Neovim 0.10 or newer (0.11+ recommended).',
    ['health.version_010'] = 'Neovim {version}: supported through vim.lsp.start; 0.11+ uses vim.lsp.config/vim.lsp.enable.',
    ['health.no_setup'] = "require('arama').setup() has not been called: the server is not registered.",
    ['health.setup'] = 'setup() done; messages in {locale}, root markers: {markers}',
    ['health.cmd_function'] = '`cmd` is a function: cannot check the server executable.',
    ['health.cmd_found'] = "'{cmd}' found: {path}",
    ['health.cmd_missing'] = "'{cmd}' is not executable (not found on PATH).",
    ['health.cmd_missing_advice'] = 'Put arama-ls on PATH (after `make env`, it is in the .venv/bin folder of the arama repository), or set cmd = { "/path/to/arama/.venv/bin/arama-ls" } in setup().',
    ['health.starts'] = 'the server starts: {version}',
    ['health.start_failed'] = "'{cmd} --version' failed (exit code {code}): {output}",
    ['health.no_client'] = 'no arama client is running: open a file inside a project to start one.',
    ['health.client'] = 'client {id} running, root {root}, {buffers} buffers attached',
    ['health.status_failed'] = 'arama.status failed: {message}',
    ['health.model'] = 'model: {model}',
    ['health.no_model'] = 'model: not loaded yet',
    ['health.index'] = 'index: {state}, {files} files, {chunks} chunks, {pending} files waiting',
    ['health.cache'] = 'embedding cache: {path} ({entries} entries)',
    ['health.skipped'] = 'skipped files: {skipped}',
    ['health.error'] = 'the server cannot index: {message}',
    ['health.recovered'] = 'recovered: {note}',
  },
  tr = {
    ['prompt.search'] = 'Arama ile ara: ',
    ['title.search'] = 'Arama: {query}',
    ['title.related'] = 'Arama: {symbol} ile ilgili',
    ['result.similar'] = '+{count} benzer',
    ['notify.no_results'] = "Arama: '{query}' için sonuç bulunamadı.",
    ['notify.no_related'] = 'Arama: {symbol} ile ilgili kod bulunamadı.',
    ['notify.incomplete'] = 'Arama: dizin hâlâ oluşturuluyor; sonuçlar eksik olabilir.',
    ['notify.partial'] = 'Arama: arama için ayrılan süre doldu; sonuçlar eksik olabilir.',
    ['notify.reindex'] = 'Arama: {count} dosya yeniden dizinleniyor.',
    ['notify.tuning'] = 'Arama: arama sorularınızla ayarlanıyor (yaklaşık bir dakika)…',
    ['notify.tune_numbers'] = 'Ayrılmış belgeler, hybrid MRR@10: yalnız model {base}, ayarlı {tuned}.',
    ['notify.tune_reset'] = 'Arama: arama ayarı unutuldu; yeniden yalnızca model yanıtlıyor.',
    ['notify.tune_none'] = 'Arama: unutulacak bir arama ayarı yok.',
    ['notify.not_running'] = 'Arama: sunucu burada çalışmıyor. Bir proje içindeki bir dosyayı açın (kök işaretleri: {markers}) ya da :checkhealth arama komutuna bakın.',
    ['notify.not_executable'] = "Arama: '{cmd}' çalıştırılabilir değil. arama'yı kurun ya da require('arama').setup() içinde `cmd` verin. Ayrıntı için :checkhealth arama.",
    ['notify.not_found'] = "Arama: 'arama-ls' dil sunucusu bulunamadı (PATH, pipx ve uv araç klasörleri, projenin .venv klasörü). Kurmak için arama deposunda `make dist`, ardından `{command}` çalıştırın; ya da vim.lsp.config('arama', { cmd = { '/yol/arama-ls' } }) ile `cmd` verin.",
    ['notify.no_setup'] = "Arama: önce require('arama').setup() çağrılmalı (bkz. :help arama-setup).",
    ['notify.no_file'] = 'Arama: geçerli arabellek çalışma alanındaki bir dosya değil.',
    ['notify.start_timeout'] = 'Arama: sunucu {seconds} saniye içinde başlamadı.',
    ['notify.server_error'] = 'Arama: {message}',
    ['notify.unknown_command'] = "Arama: bilinmeyen komut '{name}'. Kullanılabilenler: {names}.",
    ['notify.usage'] = 'Kullanım: :Arama {names}',
    ['status.summary'] = 'Arama: {state}, {files} dosya, {chunks} parça (bekleyen dosya: {pending}).',
    ['status.model'] = 'Model: {model}',
    ['status.cache'] = 'Vektör önbelleği: {entries} kayıt, {hits} isabet, {misses} ıska ({path})',
    ['status.folders'] = 'Çalışma alanı klasörleri: {folders}',
    ['status.skipped'] = 'Atlanan dosyalar: {skipped}',
    ['status.error'] = 'Hata: {message}',
    ['status.recovered'] = 'Kurtarıldı: {note}',
    ['status.team'] = 'Ekip önbelleği: {url} ({mode}), {state}: {hits} bulundu, {misses} eksik, {writes} yazıldı, {errors} hata',
    ['status.team_reason'] = 'Ekip önbelleği: {reason}',
    ['team.ok'] = 'çalışıyor',
    ['team.backing-off'] = 'yanıt vermiyor, yerel olarak vektörleştiriliyor',
    ['team.disabled'] = 'bu oturumda kapalı, yerel olarak vektörleştiriliyor',
    ['state.starting'] = 'başlıyor',
    ['state.indexing'] = 'dizinleniyor',
    ['state.ready'] = 'hazır',
    ['statusline.starting'] = 'arama: başlıyor',
    ['statusline.indexing'] = 'arama: dizinleniyor',
    ['statusline.indexing_pct'] = 'arama: dizinleniyor %{pct}',
    ['statusline.ready'] = 'arama: hazır ({chunks} parça)',
    ['statusline.error'] = 'arama: hata',
    ['stats.title'] = 'Arama: dizin istatistikleri',
    ['stats.files'] = 'Dosyalar',
    ['stats.total'] = 'Toplam boyut',
    ['stats.average'] = 'Ortalama dosya boyutu',
    ['stats.recent'] = 'Son 7 günde değişen',
    ['stats.languages'] = 'Diller',
    ['stats.queries'] = 'Sık yapılan aramalar',
    ['stats.none'] = '(henüz yok)',
    ['stats.close'] = 'q: kapat',
    ['setup.invalid'] = "arama.setup(): geçersiz seçenek '{name}': {expected} bekleniyordu, {got} verildi",
    ['expect.picker'] = '"auto", "select", "telescope", "snacks" değerlerinden biri',
    ['expect.remote_url'] = 'redis://, rediss:// ya da unix:// ile başlayan bir adres',
    ['expect.remote_mode'] = '"read" ya da "read-write"',
    ['expect.timeout'] = '1 ile 60000 arasında bir tamsayı (milisaniye)',
    ['expect.fraction'] = '0 ile 1 arasında bir sayı',
    ['expect.ttl'] = '0 ile 315360000 arasında bir tamsayı (saniye)',
    ['expect.env_name'] = 'bir ortam değişkeni adı (harf, rakam, _)',
    ['notify.picker_missing'] = "Arama: '{picker}' seçicisi kurulu değil; vim.ui.select kullanılıyor.",
    ['expect.table'] = 'bir tablo',
    ['expect.string'] = 'bir metin',
    ['expect.boolean'] = 'true ya da false',
    ['expect.cmd'] = '{ "arama-ls" } gibi bir metin listesi ya da bir işlev',
    ['expect.markers'] = '{ ".git" } gibi bir dosya adı listesi',
    ['expect.filetypes'] = 'boş olmayan bir dosya türü listesi',
    ['expect.limit'] = '1 ile 200 arasında bir tamsayı',
    ['expect.globs'] = 'bir glob deseni listesi',
    ['expect.positive'] = 'pozitif bir tamsayı',
    ['expect.backend'] = '"onnx", "onnx-int8", "torch" değerlerinden biri',
    ['expect.budget'] = '1 ile 600000 arasında bir tamsayı',
    ['setup.unknown'] = "arama.setup(): bilinmeyen seçenek '{name}' (bilinenler: {names})",
    ['health.version_ok'] = 'Neovim {version}',
    ['health.version_old'] = 'Neovim {version} çok eski: arama için Neovim 0.10 ya da daha yenisi gerekir (0.11+ önerilir).',
    ['health.version_010'] = 'Neovim {version}: vim.lsp.start ile desteklenir; 0.11+ vim.lsp.config/vim.lsp.enable kullanır.',
    ['health.no_setup'] = "require('arama').setup() çağrılmamış: sunucu kayıtlı değil.",
    ['health.setup'] = 'setup() yapıldı; mesaj dili {locale}, kök işaretleri: {markers}',
    ['health.cmd_function'] = '`cmd` bir işlev: sunucu programı denetlenemiyor.',
    ['health.cmd_found'] = "'{cmd}' bulundu: {path}",
    ['health.cmd_missing'] = "'{cmd}' çalıştırılabilir değil (PATH üzerinde bulunamadı).",
    ['health.cmd_missing_advice'] = 'arama-ls\'i PATH\'e ekleyin (`make env` sonrasında arama deposunun .venv/bin klasöründedir) ya da setup() içinde cmd = { "/yol/arama/.venv/bin/arama-ls" } verin.',
    ['health.starts'] = 'sunucu başlıyor: {version}',
    ['health.start_failed'] = "'{cmd} --version' başarısız oldu (çıkış kodu {code}): {output}",
    ['health.no_client'] = 'çalışan bir arama istemcisi yok: başlatmak için bir proje içindeki bir dosyayı açın.',
    ['health.client'] = 'istemci {id} çalışıyor, kök {root}, bağlı arabellek: {buffers}',
    ['health.status_failed'] = 'arama.status başarısız oldu: {message}',
    ['health.model'] = 'model: {model}',
    ['health.no_model'] = 'model: henüz yüklenmedi',
    ['health.index'] = 'dizin: {state}, {files} dosya, {chunks} parça, bekleyen dosya: {pending}',
    ['health.cache'] = 'vektör önbelleği: {path} ({entries} kayıt)',
    ['health.skipped'] = 'atlanan dosyalar: {skipped}',
    ['health.error'] = 'sunucu dizinleyemiyor: {message}',
    ['health.recovered'] = 'kurtarıldı: {note}',
  },
}

M.default = 'en'

---Normalizes a locale name: `tr_TR.UTF-8`, `tr-TR`, `TR` -> `tr`; "C", "POSIX" and empty -> nil.
---@param value string|nil
---@return string|nil
function M.normalize(value)
  if type(value) ~= 'string' then
    return nil
  end
  local lower = vim.trim(value):lower()
  local lang = lower:match('^(%a%a%a?)$') or lower:match('^(%a%a%a?)[%-_.@]')
  if lang == nil or lower == 'posix' then
    return nil
  end
  return lang
end

---The user's language code (e.g. `tr`, `en`, `de`), also sent to the server as the LSP `locale`.
---@return string
function M.language()
  local ok, arama = pcall(require, 'arama')
  local explicit = ok and arama.config and arama.config.locale or nil
  local candidates = {
    explicit,
    vim.v.lang,
    vim.env.LC_ALL,
    vim.env.LC_MESSAGES,
    vim.env.LANG,
  }
  for i = 1, 5 do
    local lang = M.normalize(candidates[i])
    if lang then
      return lang
    end
  end
  return M.default
end

---The catalog language used for the plugin's own messages (`en` when the language has none).
---@return string
function M.locale()
  local lang = M.language()
  if M.catalog[lang] then
    return lang
  end
  return M.default
end

---Formats message `key` with `{name}` placeholders from `vars`.
---@param key string
---@param vars table<string, any>|nil
---@return string
function M.t(key, vars)
  local messages = M.catalog[M.locale()] or M.catalog[M.default]
  local template = messages[key] or M.catalog[M.default][key] or key
  return (
    template:gsub('{([%w_]+)}', function(name)
      local value = vars and vars[name]
      if value == nil then
        return '{' .. name .. '}'
      end
      return tostring(value)
    end)
  )
end

---A byte count for people: `512 B`, `1.5 KiB`, `12.3 MiB` (decimal comma in Turkish).
---@param bytes number
---@return string
function M.size(bytes)
  bytes = tonumber(bytes) or 0
  local units = { 'B', 'KiB', 'MiB', 'GiB', 'TiB' }
  local unit = 1
  while bytes >= 1024 and unit < #units do
    bytes = bytes / 1024
    unit = unit + 1
  end
  local text = unit == 1 and string.format('%d %s', bytes, units[unit])
    or string.format('%.1f %s', bytes, units[unit])
  if M.locale() == 'tr' then
    text = text:gsub('%.', ',')
  end
  return text
end

return M
