"""Low-level reading of S1Tiling request files: INI text, environment, typed values.

S1Tiling builds its parser as ``ConfigParser(os.environ)``, so every environment
variable can be referenced as ``%(NAME)s``. configparser lower-cases option
names, including the environment's, and lower-cases the name inside
``%(...)s`` too: ``%(HOME)s`` and ``%(home)s`` are the same variable, and key
names are case-insensitive (``eodagConfig`` is ``eodagconfig``). Section names
stay case-sensitive in configparser; we accept any case with a warning.

Unlike S1Tiling, environment variables only feed ``%(NAME)s`` references: an
environment variable named like a key (``TMP``) never stands in for a key
missing from the file, and a ``%`` in an environment value is taken literally.
"""

from __future__ import annotations

import configparser
import re
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path

from s1ops.config.ranges import range_of
from s1ops.errors import ConfigError, ConfigFileError

# A section name configparser will never see in a file: with it as the
# "default section", [DEFAULT] is read as an ordinary section, so the
# inventory holds exactly the keys written under each header.
_NO_DEFAULT_SECTION = "\x00no-default"
DEFAULT_SECTION = "DEFAULT"

_SPLIT = re.compile(r"[\s,]+")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def split_list(text: str) -> list[str]:
    """Split an S1Tiling list value: items separated by commas and/or blanks."""
    return [item for item in _SPLIT.split(text) if item]


def _escape_environ(environ: Mapping[str, str]) -> dict[str, str]:
    """Environment as configparser defaults: lower-case names, literal '%'.

    Names differing only in case (http_proxy and HTTP_PROXY) would make
    configparser raise DuplicateOptionError; the upper-case spelling wins.
    """
    variables: dict[str, str] = {}
    for name, value in environ.items():
        key = name.lower()
        if key not in variables or name.isupper():
            # configparser would read a '%' in a value as the start of a reference.
            variables[key] = value.replace("%", "%%")
    return variables


def _read_parser(parser: configparser.ConfigParser, text: str, source: str) -> None:
    try:
        parser.read_string(text, source=source)
    except configparser.MissingSectionHeaderError as exc:
        raise ConfigFileError(
            source, f"line {exc.lineno}: {exc.line.strip()!r} comes before any [Section] header"
        ) from exc
    except configparser.DuplicateSectionError as exc:
        raise ConfigFileError(
            source, f"section [{exc.section}] appears twice (line {exc.lineno})"
        ) from exc
    except configparser.DuplicateOptionError as exc:
        raise ConfigFileError(
            source, f"[{exc.section}] {exc.option} is set twice (line {exc.lineno})"
        ) from exc
    except configparser.ParsingError as exc:
        lines = ", ".join(f"line {lineno}: {line.strip()}" for lineno, line in exc.errors)
        raise ConfigFileError(
            source, f"not INI syntax ('key : value' or 'key = value'): {lines}"
        ) from exc


class RequestDocument:
    """The parsed request file: what is written in it, and its interpolated values."""

    def __init__(
        self,
        text: str,
        *,
        source: str,
        environ: Mapping[str, str],
        base_dir: Path,
        canonical_sections: Iterable[str],
    ) -> None:
        self.source = source
        self.base_dir = base_dir
        self.inventory = configparser.ConfigParser(
            default_section=_NO_DEFAULT_SECTION, interpolation=None
        )
        _read_parser(self.inventory, text, source)
        self.values = configparser.ConfigParser(defaults=_escape_environ(environ))
        _read_parser(self.values, text, source)
        self.section_names = self._map_sections(canonical_sections)

    def _map_sections(self, canonical: Iterable[str]) -> dict[str, str]:
        """Canonical section name -> the spelling used in the file."""
        by_lower = {name.lower(): name for name in canonical}
        found: dict[str, str] = {}
        for actual in self.inventory.sections():
            name = by_lower.get(actual.lower())
            if name is None:
                continue
            if name in found:
                raise ConfigFileError(
                    self.source, f"sections [{found[name]}] and [{actual}] are the same section"
                )
            found[name] = actual
        return found

    def own_keys(self, actual_section: str) -> list[str]:
        """Keys written under one header of the file (lower-cased, in file order)."""
        return self.inventory.options(actual_section)

    def raw_items(self, section: str) -> dict[str, str]:
        """Uninterpolated values of a section, as S1Tiling reads [Metadata]."""
        actual = self.section_names.get(section)
        if actual is None:
            return {}
        return {key: self.inventory.get(actual, key) for key in self.own_keys(actual)}

    def has(self, section: str, key: str) -> bool:
        """Whether the key is written in the section, or in the file's [DEFAULT]."""
        actual = self.section_names.get(section)
        if actual is not None and key in self.own_keys(actual):
            return True
        return self.inventory.has_section(DEFAULT_SECTION) and key in self.own_keys(DEFAULT_SECTION)

    def get(self, section: str, key: str) -> str | None:
        """The interpolated, stripped value; None when unset or empty."""
        if not self.has(section, key):
            return None
        actual = self.section_names.get(section, DEFAULT_SECTION)
        try:
            value = self.values.get(actual, key)
        except configparser.InterpolationMissingOptionError as exc:
            raise ConfigError(
                section,
                key,
                self._raw(actual, key),
                f"%({exc.reference})s is neither an environment variable nor a key "
                f"of [{section}] or [DEFAULT]",
            ) from exc
        except configparser.InterpolationSyntaxError as exc:
            raise ConfigError(
                section,
                key,
                self._raw(actual, key),
                "references are written %(NAME)s and a literal percent sign %%",
            ) from exc
        except configparser.InterpolationDepthError as exc:
            raise ConfigError(
                section, key, self._raw(actual, key), "references nest too deeply (a loop?)"
            ) from exc
        value = value.strip()
        return value or None

    def _raw(self, actual_section: str, key: str) -> str:
        return self.values.get(actual_section, key, raw=True)


class SectionReader:
    """Typed access to one section; every bad value becomes a ConfigError."""

    def __init__(self, document: RequestDocument, section: str) -> None:
        self.document = document
        self.section = section

    def error(self, key: str, value: object, expected: str) -> ConfigError:
        """A ConfigError about a key of this section."""
        return ConfigError(self.section, key, value, expected)

    def text(self, key: str) -> str | None:
        """The raw string value, None when unset or empty."""
        return self.document.get(self.section, key)

    def required(self, key: str, expected: str) -> str:
        """The string value of a key that must be set."""
        value = self.text(key)
        if value is None:
            raise self.error(key, "" if self.document.has(self.section, key) else None, expected)
        return value

    def flag(self, key: str, default: bool) -> bool:
        """A boolean written as configparser accepts it (true/false, yes/no, on/off, 1/0)."""
        value = self.text(key)
        if value is None:
            return default
        state = configparser.ConfigParser.BOOLEAN_STATES.get(value.lower())
        if state is None:
            raise self.error(key, value, "True or False (also yes/no, on/off, 1/0)")
        return state

    def integer(self, key: str, default: int) -> int:
        """An integer within the key's range (``s1ops.config.ranges``)."""
        allowed = range_of(self.section, key)
        value = self.text(key)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:  # also a number of more than Python's 4300 digits
            raise self.error(key, value, allowed.describe()) from None
        if not allowed.contains(number):
            raise self.error(key, value, allowed.describe())
        return number

    def number(self, key: str, default: float) -> float:
        """A finite number within the key's range (``s1ops.config.ranges``)."""
        allowed = range_of(self.section, key)
        value = self.text(key)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            raise self.error(key, value, allowed.describe()) from None
        if not allowed.contains(number):
            raise self.error(key, value, allowed.describe())
        return number

    def day(self, key: str) -> date | None:
        """A calendar date written YYYY-MM-DD."""
        value = self.text(key)
        if value is None:
            return None
        try:
            if not _DAY.match(value):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            raise self.error(key, value, "a date written YYYY-MM-DD") from None

    def choice(self, key: str, choices: tuple[str, ...], default: str | None) -> str | None:
        """One of ``choices`` (case-insensitive), returned as spelled in ``choices``."""
        value = self.text(key)
        if value is None:
            return default
        for allowed in choices:
            if value.lower() == allowed.lower():
                return allowed
        raise self.error(key, value, "one of: " + ", ".join(choices))

    def path(self, key: str) -> Path | None:
        """A path; ``~`` is expanded and a relative path is taken from the file's folder."""
        value = self.text(key)
        return None if value is None else self.resolve(value)

    def resolve(self, value: str) -> Path:
        """Make a path written in the file absolute."""
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.document.base_dir / path
