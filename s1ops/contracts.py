"""Checked reading of the documents that cross process boundaries.

A tile job, a plan, a run request, a job result and a product's availability
cross as JSON: by XCom, on the ``s1ops process --job`` command line, in a
trigger's event, as a container's last log line. Each of these types has one
``to_dict``/``from_dict`` pair; ``from_dict`` reads the fields through a
``FieldReader``, so a missing or mistyped field raises ``ContractError``
naming the type, the field, the value and what was expected, instead of a
``KeyError`` or a wrong value travelling on.

Keys a reader does not ask for are ignored: derived values (``PlanResult``'s
``counts``, ``Availability``'s ``ready``) and a plan's run keys.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from datetime import date, datetime
from typing import Any, TypeVar

from s1ops.errors import ContractError

T = TypeVar("T")


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


# The default of a field that must be present.
REQUIRED: Any = _Required()


def load_json(contract: str, text: str) -> Any:
    """``text`` parsed as JSON; ``ContractError`` when it is not."""
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ContractError(contract, None, text, f"one JSON document ({exc})") from exc


class FieldReader:
    """The fields of one document of type ``contract``, each read and checked on demand."""

    def __init__(self, contract: str, data: object) -> None:
        if not isinstance(data, Mapping):
            raise ContractError(contract, None, data, "a JSON object")
        self.contract = contract
        self._data: Mapping[str, Any] = data

    def _has(self, name: str, default: Any, expected: str) -> bool:
        """Whether ``name`` is present; raises when it is absent and has no default."""
        if name in self._data:
            return True
        if default is REQUIRED:
            raise ContractError(self.contract, name, None, expected, missing=True)
        return False

    def _error(self, name: str, value: object, expected: str) -> ContractError:
        return ContractError(self.contract, name, value, expected)

    def text(self, name: str, *, choices: Collection[str] = (), default: Any = REQUIRED) -> str:
        """A non-empty string, one of ``choices`` when given."""
        expected = f"one of: {', '.join(choices)}" if choices else "a non-empty string"
        if not self._has(name, default, expected):
            return default
        value = self._data[name]
        if not isinstance(value, str) or not value or (choices and value not in choices):
            raise self._error(name, value, expected)
        return value

    def optional_text(self, name: str, *, default: Any = REQUIRED) -> str | None:
        """A non-empty string or null."""
        expected = "a non-empty string or null"
        if not self._has(name, default, expected):
            return default
        value = self._data[name]
        if value is not None and (not isinstance(value, str) or not value):
            raise self._error(name, value, expected)
        return value

    def string(self, name: str, *, default: Any = REQUIRED) -> str:
        """Any string, the empty one included."""
        if not self._has(name, default, "a string"):
            return default
        value = self._data[name]
        if not isinstance(value, str):
            raise self._error(name, value, "a string")
        return value

    def integer(self, name: str, *, low: int | None = None, high: int | None = None) -> int:
        """An integer (not a boolean), within ``low..high`` when given."""
        expected = "an integer" + (f" in {low}..{high}" if low is not None else "")
        self._has(name, REQUIRED, expected)
        value = self._data[name]
        if (
            not isinstance(value, int)
            or isinstance(value, bool)
            or (low is not None and value < low)
            or (high is not None and value > high)
        ):
            raise self._error(name, value, expected)
        return value

    def number(self, name: str) -> float:
        """A number (integer or float, not a boolean), as a float."""
        self._has(name, REQUIRED, "a number")
        value = self._data[name]
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise self._error(name, value, "a number")
        return float(value)

    def flag(self, name: str, *, default: Any = REQUIRED) -> bool:
        """true or false."""
        if not self._has(name, default, "true or false"):
            return default
        value = self._data[name]
        if not isinstance(value, bool):
            raise self._error(name, value, "true or false")
        return value

    def day(self, name: str) -> date:
        """A day as ``YYYY-MM-DD`` (a ``date`` is taken as is)."""
        expected = "a day as YYYY-MM-DD"
        self._has(name, REQUIRED, expected)
        value = self._data[name]
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise self._error(name, value, expected)

    def texts(
        self,
        name: str,
        *,
        choices: Collection[str] = (),
        default: Any = REQUIRED,
        non_empty: bool = False,
    ) -> tuple[str, ...]:
        """A list of non-empty strings (each one of ``choices`` when given)."""
        items = f"values among: {', '.join(choices)}" if choices else "non-empty strings"
        expected = f"a {'non-empty ' if non_empty else ''}list of {items}"
        if not self._has(name, default, expected):
            return tuple(default)
        value = self._data[name]
        if (
            not isinstance(value, list | tuple)
            or (non_empty and not value)
            or not all(isinstance(v, str) and v for v in value)
            or (choices and not set(value) <= set(choices))
        ):
            raise self._error(name, value, expected)
        return tuple(value)

    def optional_texts(self, name: str, *, default: Any = REQUIRED) -> tuple[str | None, ...]:
        """A list whose items are non-empty strings or nulls."""
        expected = "a list of non-empty strings or nulls"
        if not self._has(name, default, expected):
            return tuple(default)
        value = self._data[name]
        if not isinstance(value, list | tuple) or not all(
            v is None or (isinstance(v, str) and v) for v in value
        ):
            raise self._error(name, value, expected)
        return tuple(value)

    def each(
        self, name: str, from_dict: Callable[[Any], T], *, default: Any = REQUIRED
    ) -> tuple[T, ...]:
        """A list of documents, each read by ``from_dict``; an error names the item's index."""
        if not self._has(name, default, "a list of JSON objects"):
            return tuple(default)
        value = self._data[name]
        if not isinstance(value, list | tuple):
            raise self._error(name, value, "a list of JSON objects")
        items = []
        for index, item in enumerate(value):
            try:
                items.append(from_dict(item))
            except ContractError as exc:
                raise _nested(exc, f"{self.contract}.{name}[{index}]") from exc
        return tuple(items)

    def document(self, name: str, from_dict: Callable[[Any], T]) -> T:
        """One nested document read by ``from_dict``; an error names the field it sits in."""
        self._has(name, REQUIRED, "a JSON object")
        try:
            return from_dict(self._data[name])
        except ContractError as exc:
            raise _nested(exc, f"{self.contract}.{name}") from exc


def _nested(error: ContractError, where: str) -> ContractError:
    """``error`` of a nested document, its contract prefixed by where the document sits."""
    return ContractError(
        f"{where} {error.contract}", error.field, error.value, error.expected, missing=error.missing
    )
