"""Where everything sits in the S1 cache (``[Paths] s1_images``): the one owner of its layout.

Products, whole or absent, never half there:

* ``{id}.SAFE/``: what s1ops downloads and S1Tiling keeps;
* ``{id}.zip``: put there by hand, read in place by planning; the first job
  processing it replaces it by its ``{id}.SAFE`` (``s1ops.catalogue.fetch.ensure_unzipped``:
  OTB cannot read a product inside a zip);
* one level down, ``{folder}/{id}.SAFE`` or ``{folder}/{id}.zip``: eodag's own
  extraction layout and older S1Tiling caches.

"Is this product on disk?" has one answer, ``CacheLayout.locate``: planning,
the fetch task, ``s1ops product status|download`` and SAFE scans all ask it,
so a zip put in the cache by hand counts everywhere (never downloaded again).

Bookkeeping, in hidden folders so no scan takes it for a product:

* ``.locks/{id}.lock``: the product's lock (``s1ops.cache.locks``); never deleted;
* ``.partial/{id}/``: a download's (or an unzipping's) staging, with eodag's
  ``.downloaded/`` records;
* ``.trash/{name}.{process id}``: a purged product between its rename out of sight and
  its deletion;
* ``.downloaded/``: eodag's record folder, when eodag ran straight in the cache.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from s1ops.errors import ProductNameError
from s1ops.sentinel1.ids import ProductId

SAFE_SUFFIX = ".SAFE"
ZIP_SUFFIX = ".zip"
LOCKS_DIR = ".locks"
LOCK_SUFFIX = ".lock"
STAGING_DIR = ".partial"
TRASH_DIR = ".trash"
EODAG_RECORDS_DIR = ".downloaded"
# Folders whose entries are leftovers once nobody holds them (maintenance).
LEFTOVER_DIRS = (STAGING_DIR, TRASH_DIR, EODAG_RECORDS_DIR)


def product_id_of(entry: str | Path) -> str | None:
    """The product id a cache entry is named after (``{id}.SAFE``, ``{id}.zip``...), or None."""
    # Cut at the first suffix: a purge victim in .trash is '{id}.SAFE.{process id}'.
    name = Path(entry).name.split(SAFE_SUFFIX)[0].split(ZIP_SUFFIX)[0]
    try:
        return ProductId.parse(name).format()
    except ProductNameError:
        return None


def safe_name(product_id: str) -> str:
    """The SAFE folder name of a product (ESA's, and the cache's): ``{id}.SAFE``."""
    return f"{product_id}{SAFE_SUFFIX}"


def is_product_entry(path: Path) -> bool:
    """A SAFE folder or a zip file, named like a product or not."""
    if path.name.startswith("."):
        return False
    if path.suffix == SAFE_SUFFIX:
        return path.is_dir()
    return path.suffix == ZIP_SUFFIX and path.is_file()


@dataclass(frozen=True)
class CacheLayout:
    """The S1 cache rooted at ``root``."""

    root: Path

    @classmethod
    def of(cls, s1_images: str | Path) -> CacheLayout:
        """The layout of ``[Paths] s1_images``."""
        return cls(Path(s1_images))

    def safe_dir(self, product_id: str) -> Path:
        """Where a downloaded product is put: ``{id}.SAFE``."""
        return self.root / safe_name(product_id)

    def zip_file(self, product_id: str) -> Path:
        """Where a zipped product put there by hand is read from: ``{id}.zip``."""
        return self.root / f"{product_id}{ZIP_SUFFIX}"

    @property
    def locks_dir(self) -> Path:
        """The folder of the lock files (writable by every process that reads products)."""
        return self.root / LOCKS_DIR

    def lock_file(self, product_id: str) -> Path:
        """The product's lock file."""
        return self.locks_dir / f"{product_id}{LOCK_SUFFIX}"

    def staging_dir(self, product_id: str) -> Path:
        """A download's staging folder (same filesystem: the final move is a rename)."""
        return self.root / STAGING_DIR / product_id

    @property
    def trash_dir(self) -> Path:
        """Where the purge renames a victim before deleting it."""
        return self.root / TRASH_DIR

    def trash_path(self, entry: Path) -> Path:
        """A purge victim's name in the trash: ``{entry name}.{process id}``."""
        return self.trash_dir / f"{entry.name}.{os.getpid()}"

    def leftover_dirs(self) -> tuple[Path, ...]:
        """Bookkeeping folders whose entries a killed download or purge may leave."""
        return tuple(self.root / name for name in LEFTOVER_DIRS)

    def entry_names(self, product_id: str) -> tuple[str, str]:
        """The names a product has in the cache: ``{id}.SAFE`` (a folder), ``{id}.zip``."""
        return safe_name(product_id), f"{product_id}{ZIP_SUFFIX}"

    def is_entry_place(self, path: str | Path) -> bool:
        """Whether ``path`` sits where ``locate`` looks: directly in the cache, or in a
        visible folder of it (not a SAFE, not bookkeeping). Its folders are resolved
        (symbolic links, ``..``); the entry itself may be a link (into an archive).
        """
        root = self.root.resolve()
        parent = Path(path).parent.resolve()
        if parent == root:
            return True
        return (
            parent.parent == root
            and not parent.name.startswith(".")
            and parent.suffix != SAFE_SUFFIX
        )

    def locate(self, product_id: str) -> Path | None:
        """The product in the cache, or None when absent: the one "is it on disk" rule.

        Looked for as ``{id}.SAFE`` (a folder), then ``{id}.zip`` (a file), then
        the same one level down (not in hidden folders: staging and trash hold
        products that are not there yet, or any more).
        """
        names = self.entry_names(product_id)
        for name in names:
            if is_product_entry(self.root / name):
                return self.root / name
        # Folders listed, not globbed: a product id is data, not a pattern.
        folders = sorted(self._visible_folders())
        for name in names:
            for folder in folders:
                if is_product_entry(folder / name):
                    return folder / name
        return None

    def _visible_folders(self) -> list[Path]:
        # A SAFE folder never holds another product: skipped, so a miss in a cache
        # of a thousand SAFEs costs one listing, not a thousand look-ups.
        if not self.root.is_dir():
            return []
        return [
            p
            for p in self.root.iterdir()
            if not p.name.startswith(".") and p.suffix != SAFE_SUFFIX and p.is_dir()
        ]

    def top_level_products(self) -> list[tuple[str, Path]]:
        """``(product id, path)`` of the products directly in the cache (what the purge sees)."""
        if not self.root.is_dir():
            return []
        found = []
        for entry in self.root.iterdir():
            product_id = product_id_of(entry) if is_product_entry(entry) else None
            if product_id is not None:
                found.append((product_id, entry))
        return found

    def candidates(self) -> list[Path]:
        """Every product-looking entry, top level then one level down (what a scan reads)."""
        if not self.root.is_dir():
            return []
        found: list[Path] = []
        for pattern in (
            f"*{SAFE_SUFFIX}",
            f"*/*{SAFE_SUFFIX}",
            f"*{ZIP_SUFFIX}",
            f"*/*{ZIP_SUFFIX}",
        ):
            found.extend(
                p
                for p in sorted(self.root.glob(pattern))
                if is_product_entry(p) and not p.parent.name.startswith(".")
            )
        return found
