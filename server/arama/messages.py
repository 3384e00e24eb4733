"""Every sentence a person reads, in English and Turkish, chosen by the client's locale.

Identifiers, logs and internals stay English; only what reaches a user goes through `text()`.
Keys are stable; a missing Turkish entry falls back to English rather than failing.
"""

from __future__ import annotations

from typing import Any

DEFAULT_LOCALE = "en"

CATALOG: dict[str, dict[str, str]] = {
    "en": {
        "progress.title": "Arama: indexing workspace",
        "progress.scanning": "Reading files: {done}/{total}",
        "progress.embedding": "Embedding code: {done}/{total} pieces",
        "progress.done": "Index ready: {files} files, {chunks} chunks",
        "error.arguments": "'arguments' must be a list holding one JSON object.",
        "error.required": "'{field}' is required.",
        "error.type": "'{field}' must be {expected}.",
        "error.range": "'{field}' must be between {low} and {high}.",
        "error.min": "'{field}' must be at least {low}.",
        "error.length": "'{field}' must be {low} to {high} characters long.",
        "error.choice": "'{field}' must be one of: {choices}.",
        "error.date": "'{field}' must be an ISO-8601 date or time, e.g. 2026-01-31T12:00:00Z.",
        "error.glob": "'{field}' holds an invalid glob pattern: {pattern}.",
        "error.language": "'{field}' holds an unknown language id: {value}.",
        "error.uri": "'{field}' must be a file URI inside a workspace folder.",
        "error.window": "'{low}' must not be greater than '{high}'.",
        "error.not_indexed": "'uri' names a file that is not in the index yet.",
        "error.not_initialized": "Arama is still starting; try again in a moment.",
        "error.params": "Invalid parameters for {method}: {detail}",
        "error.value": "'{field}' has a wrong type or value.",
        "error.command": "'command' names an unknown command: {command}.",
        "error.too_large": "The message is too large: {size} bytes; the limit is {limit} bytes.",
        "error.engine_failed": "Arama cannot use its cache directory {path}: {error}. Set another with the cacheDir option.",
        "error.remote_url": "'{field}' must be a redis://, rediss:// or unix:// URL.",
        "error.env_name": "'{field}' must be the name of an environment variable.",
        "type.string": "a string",
        "type.int": "an integer",
        "type.number": "a number",
        "type.list": "a list of strings",
        "type.object": "an object",
        "type.bool": "true or false",
        "type.names": "a list of names or numbers",
        "error.kind": "'{field}' holds an unknown symbol kind: {value}.",
        "status.notify": "Arama: {state}, {files} files, {chunks} chunks ({pending} waiting for embedding).",
        "state.starting": "starting",
        "state.indexing": "indexing",
        "state.ready": "ready",
        "log.recovered": "Arama repaired its index: {detail}",
        "log.model_failed": "Arama could not load the embedding model '{model}': {error}. Lexical search still works.",
        "eval.not_directory": "{folder} is not a directory.",
        "eval.nothing": "Nothing to evaluate: no documented functions (Python docstrings, JSDoc, Go or Rust doc comments of at least 3 words, on functions of at least 3 lines) in the code files of {folder}.",
        "eval.queries.unreadable": "Cannot read the queries file {file}: {error}.",
        "eval.queries.empty": "Nothing to evaluate: {file} holds no queries.",
        "eval.queries.json": "{file}:{line}: not a JSON object ({error}).",
        "eval.queries.fields": '{file}:{line}: a pair needs a "query" of 1 to 1000 characters and a "target": a path, path:line, or a list of them.',
        "eval.queries.tsv": "{file}:{line}: expected a question, a tab, then path or path:line.",
        "eval.queries.line": "{file}:{line}: the line number in '{target}' must be 1 or more.",
        "eval.queries.outside": "{file}:{line}: '{target}' is not inside the folder.",
        "eval.queries.missing": "{file}:{line}: '{target}' is not a file of the index (missing, or left out by the ignore rules).",
        "eval.note.indexing": "Bringing the evaluation index of {folder} up to date (your own index is not touched)…",
        "eval.note.hiding": "Hiding the documentation of {functions} functions in {files} files, in memory…",
        "eval.note.searching": "Asking {queries} queries in {modes} modes…",
        "eval.title.docs": "Search quality of {folder}: {queries} queries from the code's own documentation, hidden from the index (top {k}).",
        "eval.title.queries": "Search quality of {folder}: {queries} queries from your file (top {k}).",
        "eval.model": "Model {model}; {files} files indexed.",
        "eval.eligible": "Eligible queries by language: {eligible}; a sample of at most {sample} (seed {seed}).",
        "eval.hidden": "Documentation hidden for {functions} functions in {files} files (in memory; nothing on disk changed).",
        "eval.table.all": "all",
        "eval.slowest": "Slowest searches:",
        "eval.timing": "Time: index {index} s ({index_embedded} texts embedded), hiding {hide} s ({embedded} embedded), searching {search} s; {total} s in all.",
    },
    "tr": {
        "progress.title": "Arama: çalışma alanı dizinleniyor",
        "progress.scanning": "Dosyalar okunuyor: {done}/{total}",
        "progress.embedding": "Kod vektörleştiriliyor: {done}/{total} parça",
        "progress.done": "Dizin hazır: {files} dosya, {chunks} parça",
        "error.arguments": "'arguments' tek bir JSON nesnesi içeren bir liste olmalı.",
        "error.required": "'{field}' zorunludur.",
        "error.type": "'{field}' {expected} olmalı.",
        "error.range": "'{field}' {low} ile {high} arasında olmalı.",
        "error.min": "'{field}' en az {low} olmalı.",
        "error.length": "'{field}' {low} ile {high} karakter arasında olmalı.",
        "error.choice": "'{field}' şunlardan biri olmalı: {choices}.",
        "error.date": "'{field}' ISO-8601 biçiminde bir tarih ya da zaman olmalı, örneğin 2026-01-31T12:00:00Z.",
        "error.glob": "'{field}' geçersiz bir glob deseni içeriyor: {pattern}.",
        "error.language": "'{field}' bilinmeyen bir dil kimliği içeriyor: {value}.",
        "error.uri": "'{field}' bir çalışma alanı klasörünün içinde bir dosya URI'si olmalı.",
        "error.window": "'{low}', '{high}' değerinden büyük olmamalı.",
        "error.not_indexed": "'uri' henüz dizinde olmayan bir dosyayı gösteriyor.",
        "error.not_initialized": "Arama henüz başlıyor; birazdan yeniden deneyin.",
        "error.params": "{method} için geçersiz parametreler: {detail}",
        "error.value": "'{field}' yanlış türde ya da geçersiz bir değer.",
        "error.command": "'command' bilinmeyen bir komut: {command}.",
        "error.too_large": "İleti çok büyük: {size} bayt; sınır {limit} bayt.",
        "error.engine_failed": "Arama önbellek klasörünü kullanamıyor ({path}): {error}. cacheDir seçeneğiyle başka bir klasör seçin.",
        "error.remote_url": "'{field}' bir redis://, rediss:// ya da unix:// adresi olmalı.",
        "error.env_name": "'{field}' bir ortam değişkeninin adı olmalı.",
        "type.string": "bir metin",
        "type.int": "bir tamsayı",
        "type.number": "bir sayı",
        "type.list": "bir metin listesi",
        "type.object": "bir nesne",
        "type.bool": "true ya da false",
        "type.names": "bir ad ya da sayı listesi",
        "error.kind": "'{field}' bilinmeyen bir sembol türü içeriyor: {value}.",
        "status.notify": "Arama: {state}, {files} dosya, {chunks} parça (vektör bekleyen: {pending}).",
        "state.starting": "başlıyor",
        "state.indexing": "dizinleniyor",
        "state.ready": "hazır",
        "log.recovered": "Arama dizinini onardı: {detail}",
        "log.model_failed": "Arama '{model}' modelini yükleyemedi: {error}. Sözcük araması yine çalışır.",
        "eval.not_directory": "{folder} bir klasör değil.",
        "eval.nothing": "Değerlendirilecek bir şey yok: {folder} içindeki kod dosyalarında belgelenmiş işlev yok (en az 3 satırlık işlevlerde en az 3 sözcüklük Python docstring'i, JSDoc, Go ya da Rust belge yorumu).",
        "eval.queries.unreadable": "Sorgu dosyası {file} okunamıyor: {error}.",
        "eval.queries.empty": "Değerlendirilecek bir şey yok: {file} hiç sorgu içermiyor.",
        "eval.queries.json": "{file}:{line}: bir JSON nesnesi değil ({error}).",
        "eval.queries.fields": '{file}:{line}: her çift 1 ile 1000 karakter arasında bir "query" ve bir "target" ister: bir yol, yol:satır ya da bunların listesi.',
        "eval.queries.tsv": "{file}:{line}: önce bir soru, sonra bir sekme, sonra yol ya da yol:satır bekleniyordu.",
        "eval.queries.line": "{file}:{line}: '{target}' içindeki satır numarası en az 1 olmalı.",
        "eval.queries.outside": "{file}:{line}: '{target}' klasörün içinde değil.",
        "eval.queries.missing": "{file}:{line}: '{target}' dizindeki bir dosya değil (yok ya da yok sayma kurallarıyla dışarıda bırakılmış).",
        "eval.note.indexing": "{folder} için değerlendirme dizini güncelleniyor (kendi dizininize dokunulmuyor)…",
        "eval.note.hiding": "{files} dosyadaki {functions} işlevin belgeleri bellekte gizleniyor…",
        "eval.note.searching": "{queries} sorgu {modes} kipte soruluyor…",
        "eval.title.docs": "{folder} için arama kalitesi: kodun kendi belgelerinden, dizinden gizlenmiş {queries} sorgu (ilk {k}).",
        "eval.title.queries": "{folder} için arama kalitesi: dosyanızdaki {queries} sorgu (ilk {k}).",
        "eval.model": "Model {model}; {files} dosya dizinlendi.",
        "eval.eligible": "Dillere göre uygun sorgular: {eligible}; en çok {sample} sorguluk bir örneklem (tohum {seed}).",
        "eval.hidden": "{files} dosyadaki {functions} işlevin belgeleri gizlendi (bellekte; diskte hiçbir şey değişmedi).",
        "eval.table.all": "tümü",
        "eval.slowest": "En yavaş aramalar:",
        "eval.timing": "Süre: dizin {index} sn ({index_embedded} metin vektörleştirildi), gizleme {hide} sn ({embedded} vektörleştirildi), arama {search} sn; toplam {total} sn.",
    },
}


def normalize_locale(locale: str | None) -> str:
    """`tr-TR`, `tr_TR.UTF-8` -> `tr`; anything unknown -> English."""
    if not locale:
        return DEFAULT_LOCALE
    base = locale.replace("_", "-").split("-")[0].split(".")[0].lower()
    return base if base in CATALOG else DEFAULT_LOCALE


def text(key: str, locale: str | None = None, **values: Any) -> str:
    lang = normalize_locale(locale)
    template = CATALOG[lang].get(key) or CATALOG[DEFAULT_LOCALE][key]
    return template.format(**values)
