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
