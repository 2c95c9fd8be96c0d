#!/usr/bin/env python3
"""Print a deb822 ``deb-src`` sources entry mirroring the machine's Debian ``deb`` entries.

The OTB source package is fetched from the same mirror the machine already
uses for binary packages, so no mirror host name is ever written in the repo.
Only entries whose suites belong to this release (``bookworm``,
``bookworm-updates``, ...) are mirrored: third-party repositories rarely
publish sources and would make ``apt-get update`` fail.

``--type deb`` prints the same entries as binary sources (the container
image's apt sources, so it gets the host's package versions); ``--mirror``
prints only the URI serving the release itself (what debootstrap needs).

Runs with the system Python (before any virtualenv exists): standard library only.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

APT_DIR = Path("/etc/apt")


def release_codename() -> str:
    for line in Path("/etc/os-release").read_text().splitlines():
        if line.startswith("VERSION_CODENAME="):
            return line.split("=", 1)[1].strip().strip('"')
    raise SystemExit("apt_deb_src: VERSION_CODENAME missing from /etc/os-release")


def deb822_stanzas(text: str) -> list[dict[str, str]]:
    stanzas = []
    for block in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if line.startswith("#") or ":" not in line or line[:1].isspace():
                continue
            key, value = line.split(":", 1)
            fields[key.strip()] = value.strip()
        if fields:
            stanzas.append(fields)
    return stanzas


def one_line_entries(text: str) -> list[dict[str, str]]:
    entries = []
    for line in text.splitlines():
        line = re.sub(r"\[[^]]*\]", "", line.split("#", 1)[0]).split()  # type: ignore[assignment]
        if len(line) >= 4 and line[0] == "deb":
            entries.append(
                {
                    "Types": "deb",
                    "URIs": line[1],
                    "Suites": line[2],
                    "Components": " ".join(line[3:]),
                }
            )
    return entries


def source_entries() -> list[dict[str, str]]:
    entries: list[dict[str, str]] = []
    main_list = APT_DIR / "sources.list"
    if main_list.exists():
        entries += one_line_entries(main_list.read_text())
    for path in sorted((APT_DIR / "sources.list.d").glob("*")):
        if path.name.startswith("s1ops-"):
            continue
        if path.suffix == ".sources":
            entries += deb822_stanzas(path.read_text())
        elif path.suffix == ".list":
            entries += one_line_entries(path.read_text())
    return entries


def release_entries(codename: str) -> list[dict[str, str]]:
    """Enabled ``deb`` entries of this release, their suites reduced to the release's."""
    kept = []
    for entry in source_entries():
        types = entry.get("Types", "").split()
        suites = [
            s
            for s in entry.get("Suites", "").split()
            if s == codename or s.startswith(codename + "-")
        ]
        if "deb" not in types or not suites or entry.get("Enabled", "yes") == "no":
            continue
        kept.append({**entry, "Suites": " ".join(suites)})
    return kept


def stanza(entry: dict[str, str], kind: str) -> str:
    lines = [
        f"Types: {kind}",
        f"URIs: {entry['URIs']}",
        f"Suites: {entry['Suites']}",
        f"Components: {entry.get('Components', 'main')}",
    ]
    if "Signed-By" in entry:
        lines.append(f"Signed-By: {entry['Signed-By']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--type", choices=("deb-src", "deb"), default="deb-src")
    parser.add_argument("--mirror", action="store_true", help="print the release's mirror URI")
    args = parser.parse_args(argv)
    codename = release_codename()
    entries = release_entries(codename)
    if args.mirror:
        entries = [e for e in entries if codename in e["Suites"].split()]
    if not entries:
        print(f"apt_deb_src: no '{codename}' deb entry found in {APT_DIR}", file=sys.stderr)
        return 1
    if args.mirror:
        print(entries[0]["URIs"].split()[0])
        return 0
    print("\n\n".join(stanza(e, args.type) for e in entries))
    return 0


if __name__ == "__main__":
    sys.exit(main())
