"""The local STAC catalogue's fixtures for the catalogue tests."""

from tests.s1ops.catalogue.local_catalogue import (  # noqa: F401
    _no_failures,
    eodag_dir,
    products,
    server,
    source,
)
