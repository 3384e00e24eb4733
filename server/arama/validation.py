"""One way to read a client's JSON into typed classes: attrs declares, cattrs structures.

Command arguments (`arguments.py`), `initializationOptions` (`lsp/options.py`) and LSP params
(`lsp/protocol.py`) are all read by this converter's rules and explained by `explain`, so a bad
value is reported the same way everywhere: the JSON path of the field, and what was wrong, in
the client's language. What differs is only what the caller does with the failure: a command
answers -32602, an option falls back to its default.

The converter is strict about JSON primitives: cattrs would otherwise make `"5"` of the number 5
and `"{'a': 1}"` of an object wherever a string is expected.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NewType, TypeVar

import attrs
from cattrs import Converter
from cattrs.errors import ClassValidationError, IterableValidationError
from cattrs.gen import make_dict_structure_fn

from arama.messages import text

T = TypeVar("T")

MAX_LIST_ITEMS = 100
MAX_ITEM_CHARS = 1000

StringList = NewType("StringList", tuple[str, ...])
"""A list of non-empty strings (at most 100 of 1..1000 characters); a lone string is a list of
one."""

NameOrNumberList = NewType("NameOrNumberList", tuple[str | int, ...])
"""A list of names or integers (at most 100); a lone one is a list of one."""


class WrongType(TypeError):
    """A JSON value of the wrong type; `expected` is a message key ("type.int")."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


class Invalid(ValueError):
    """A value of the right type that breaks a rule; `key` and `values` make the message,
    `field` is the JSON name of the field (validators know it; the path is otherwise found
    from the cattrs error)."""

    def __init__(self, key: str, field: str | None = None, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.field = field
        self.values = values


class ArgumentError(ValueError):
    """A client's value, refused: `str()` is the message in the client's language, `field` the
    JSON path of the value."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class Problem:
    """Where a value was refused (`field`, a JSON path such as "position.line"), and why."""

    field: str
    error: BaseException

    @property
    def missing(self) -> bool:
        return isinstance(self.error, KeyError)

    def message(self, locale: str | None) -> str:
        error = self.error
        if isinstance(error, Invalid):
            return text(error.key, locale, field=self.field, **error.values)
        if self.missing:
            return text("error.required", locale, field=self.field)
        if isinstance(error, WrongType):
            return text(
                "error.type", locale, field=self.field, expected=text(error.expected, locale)
            )
        return text("error.value", locale, field=self.field)


# -- strict JSON primitives ---------------------------------------------------------------------


def _strict_str(value: Any, _: type) -> str:
    if not isinstance(value, str):
        raise WrongType("type.string")
    return value


def _strict_int(value: Any, _: type) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise WrongType("type.int")


def _strict_float(value: Any, _: type) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and value == value:
        return float(value)
    raise WrongType("type.number")


def _strict_bool(value: Any, _: type) -> bool:
    if not isinstance(value, bool):
        raise WrongType("type.bool")
    return value


def make_strict(converter: Converter) -> Converter:
    """Register the strict primitive hooks on `converter` (also pygls' one, for LSP params)."""
    converter.register_structure_hook(str, _strict_str)
    converter.register_structure_hook(int, _strict_int)
    converter.register_structure_hook(float, _strict_float)
    converter.register_structure_hook(bool, _strict_bool)
    return converter


def _string_list(value: Any, _: type) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if (
        not isinstance(items, list)
        or len(items) > MAX_LIST_ITEMS
        or not all(isinstance(v, str) and 0 < len(v) <= MAX_ITEM_CHARS for v in items)
    ):
        raise WrongType("type.list")
    return tuple(items)


def _names_or_numbers(value: Any, _: type) -> tuple[str | int, ...]:
    items = [value] if isinstance(value, str | int) and not isinstance(value, bool) else value
    if (
        not isinstance(items, list)
        or len(items) > MAX_LIST_ITEMS
        or not all(
            (isinstance(v, int) and not isinstance(v, bool))
            or (isinstance(v, str) and 0 < len(v) <= MAX_ITEM_CHARS)
            for v in items
        )
    ):
        raise WrongType("type.names")
    return tuple(items)


def _objects_only(converter: Converter) -> Callable[[type], Callable[[Any, type], Any]]:
    """Structure attrs classes from JSON objects only (not from a string that happens to be
    indexable, nor from a list)."""

    def factory(cls: type) -> Callable[[Any, type], Any]:
        inner: Callable[[Any, type], Any] = make_dict_structure_fn(cls, converter)

        def structure(value: Any, target: type) -> Any:
            if not isinstance(value, Mapping):
                raise WrongType("type.object")
            return inner(value, target)

        return structure

    return factory


def _new_converter() -> Converter:
    converter = make_strict(Converter(use_alias=True, forbid_extra_keys=False))
    converter.register_structure_hook(StringList, _string_list)
    converter.register_structure_hook(NameOrNumberList, _names_or_numbers)
    converter.register_structure_hook_factory(attrs.has, _objects_only(converter))
    return converter


CONVERTER = _new_converter()


# -- reading and explaining ---------------------------------------------------------------------


def structure(data: Mapping[str, Any], cls: type[T], locale: str | None = None) -> T:
    """`data` as a `cls`; ArgumentError naming the first bad field otherwise. JSON `null`
    means "not given" (the default applies) at every level."""
    try:
        return CONVERTER.structure(without_nulls(data), cls)
    except Exception as exc:
        problem = problems(exc)[0]
        raise ArgumentError(problem.message(locale), problem.field) from None


def without_nulls(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    return value


def problems(exc: BaseException) -> list[Problem]:
    """Every refused value under a cattrs (or validator) error, with its JSON path."""
    found: list[Problem] = []
    _collect(exc, [], found)
    return found or [Problem("params", exc)]


def _collect(exc: BaseException, path: list[str], found: list[Problem]) -> None:
    if isinstance(exc, ClassValidationError):
        with_notes, others = exc.group_exceptions()
        for inner, note in with_notes:
            _collect(inner, [*path, json_name(note.name)], found)
        for inner in others:
            _collect(inner, path, found)
    elif isinstance(exc, IterableValidationError):
        with_index, others = exc.group_exceptions()
        for inner, index_note in with_index:
            _collect(inner, [*path, f"[{index_note.index}]"], found)
        for inner in others:
            _collect(inner, path, found)
    else:
        if isinstance(exc, Invalid) and exc.field:
            path = [*path, exc.field]  # raised by a validator: it knows its own field's name
        joined = ".".join(path).replace(".[", "[")
        found.append(Problem(joined or "params", exc))


def json_name(attribute: str) -> str:
    """The JSON name of an attribute: attrs aliases and lsprotocol names are camelCase already;
    lsprotocol's snake_case attributes (`text_document`, `from_`) map back here."""
    head, *rest = attribute.rstrip("_").split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


# -- validators (attrs signature: instance, attribute, value) ----------------------------------

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def _name(attribute: attrs.Attribute[Any]) -> str:
    return attribute.alias or attribute.name


def between(low: int, high: int) -> Validator:
    def check(_: Any, attribute: attrs.Attribute[Any], value: int) -> None:
        if not low <= value <= high:
            raise Invalid("error.range", _name(attribute), low=low, high=high)

    return check


def at_least(low: int) -> Validator:
    def check(_: Any, attribute: attrs.Attribute[Any], value: int) -> None:
        if value < low:
            raise Invalid("error.min", _name(attribute), low=low)

    return check


def length(low: int, high: int) -> Validator:
    def check(_: Any, attribute: attrs.Attribute[Any], value: str) -> None:
        if not low <= len(value) <= high:
            raise Invalid("error.length", _name(attribute), low=low, high=high)

    return check


def one_of(choices: tuple[str, ...]) -> Validator:
    def check(_: Any, attribute: attrs.Attribute[Any], value: str) -> None:
        if value not in choices:
            raise Invalid("error.choice", _name(attribute), choices=", ".join(choices))

    return check


def optional(validator: Validator) -> Validator:
    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None:
            validator(instance, attribute, value)

    return check
