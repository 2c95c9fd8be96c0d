"""The eodag 4 provider config for the local STAC catalogue, and hermetic eodag settings.

The provider uses eodag's own plugins unchanged: ``StacSearch`` for the
search, ``HTTPDownload`` with ordering for the download. What it needs,
measured with eodag 4.10.1:

- no queryables or collections discovery (a failed discovery silently turns
  a search into an empty result);
- ``eodag:download_link`` from the item's asset, with ``ignore_assets`` so the
  zip is downloaded as the product and extracted;
- ``order:status`` mapped from the server's storage field, ``order_enabled``
  so that eodag waits for offline products, and the order answer giving the
  status link (the item itself);
- a 202 answer to a download meaning "ordered, not ready".

The file is written as JSON, which YAML readers accept: no YAML library is
needed to produce it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from s1ops.testing.stac_items import COLLECTION_ID, STORAGE_FIELD

PROVIDER_NAME = "s1ops_local"
EODAG_COLLECTION = "S1_SAR_GRD"

# Searchable as STAC "query" filters, returned from the item properties.
_SAT_MAPPING = {
    "sat:orbit_state": [
        '{{"query":{{"sat:orbit_state":{{"eq":"{sat:orbit_state}"}}}}}}',
        '$.properties."sat:orbit_state"',
    ],
    "sat:relative_orbit": [
        '{{"query":{{"sat:relative_orbit":{{"eq":{sat:relative_orbit}}}}}}}',
        '$.properties."sat:relative_orbit"',
    ],
    "sat:absolute_orbit": [
        '{{"query":{{"sat:absolute_orbit":{{"eq":{sat:absolute_orbit}}}}}}}',
        '$.properties."sat:absolute_orbit"',
    ],
}

# Server storage state -> eodag's order:status (succeeded / ordered / orderable).
_STATUS = "(?P<succeeded>online)|(?P<ordered>staging)|(?P<orderable>offline)"


def provider_config(
    url: str,
    name: str = PROVIDER_NAME,
    collection: str = COLLECTION_ID,
    discover: bool = False,
    basic_auth: bool = False,
) -> dict[str, Any]:
    """The eodag provider config (one provider) for the STAC API at ``url`` (its root).

    ``discover=True`` keeps eodag's collections and queryables discovery (the
    catalogue answers them); by default both are off, as for a provider whose
    discovery endpoints may fail. ``basic_auth=True`` adds eodag's
    ``GenericAuth`` (HTTP basic) for orders and downloads, with no credentials:
    they come from an Airflow Connection, the environment, or the file.
    """
    root = url.rstrip("/")
    status = f'{{$.properties."{STORAGE_FIELD}"#get_group_name({_STATUS})}}'
    json_status = f'{{$.json.properties."{STORAGE_FIELD}"#get_group_name({_STATUS})}}'
    search: dict[str, Any] = {
        "type": "StacSearch",
        "api_endpoint": f"{root}/search",
        "need_auth": False,
        "timeout": 30,
        # No silent urllib3 retries (3 by default, with backoff, on 401/429/5xx):
        # s1ops retries itself and tests must see the first error.
        "retry_total": 0,
        "pagination": {"max_limit": 1000},
        "metadata_mapping": {
            "order:status": status,
            "eodag:download_link": "$.assets.product.href",
            "eodag:order_link": '$.links[?rel=="order"].href',
            **_SAT_MAPPING,
        },
    }
    if not discover:
        search["discover_queryables"] = {"fetch_url": None, "collection_fetch_url": None}
        search["discover_collections"] = {"fetch_url": None}
    auth = {"auth": {"type": "GenericAuth", "method": "basic"}} if basic_auth else {}
    return {
        name: {
            **auth,
            "priority": 0,
            "description": "S1Ops local STAC catalogue (synthetic products)",
            "roles": ["host"],
            "url": root,
            "search": search,
            "products": {
                EODAG_COLLECTION: {"_collection": collection},
            },
            "download": {
                "type": "HTTPDownload",
                "auth_error_code": [401, 403],
                "timeout": 30,
                "ssl_verify": False,
                "extract": True,
                "archive_depth": 1,
                "ignore_assets": True,
                "order_enabled": True,
                "order_method": "POST",
                "order_on_response": {
                    "metadata_mapping": {
                        "eodag:status_link": '$.json.links[?rel=="self"].href',
                        "eodag:order_status": json_status,
                    }
                },
                "order_status": {
                    "request": {"method": "GET"},
                    "metadata_mapping": {"eodag:order_status": json_status},
                    "success": {"eodag:order_status": "succeeded"},
                    "ordered": {"http_code": 202},
                },
            },
        }
    }


def write_provider_config(
    url: str,
    path: str | Path,
    name: str = PROVIDER_NAME,
    collection: str = COLLECTION_ID,
    discover: bool = False,
    basic_auth: bool = False,
) -> Path:
    """Write the provider config for ``url`` to ``path`` (a ``.yml`` eodag reads)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(provider_config(url, name, collection, discover, basic_auth), indent=2)
    target.write_text(f"# eodag provider config written by s1ops (JSON is YAML)\n{text}\n")
    return target


def eodag_env(
    cfg_dir: str | Path, provider_name: str = PROVIDER_NAME, url: str | None = None
) -> dict[str, str]:
    """Environment variables for an eodag that only knows ``provider_name``.

    eodag then keeps its files under ``cfg_dir`` (not ``~/.config/eodag``),
    never fetches collection lists from the internet, and loads providers only
    from ``cfg_dir/providers``. With ``url``, the local catalogue's provider
    config is written there first; otherwise put the provider's ``.yml`` there.
    Set the variables before creating ``EODataAccessGateway``.
    """
    root = Path(cfg_dir)
    providers = root / "providers"
    providers.mkdir(parents=True, exist_ok=True)
    if url is not None:
        write_provider_config(url, providers / f"{provider_name}.yml", provider_name)
    return {
        "EODAG_CFG_DIR": str(root),
        "EODAG_PROVIDERS_CFG_DIR": str(providers),
        "EODAG_PROVIDERS_WHITELIST": json.dumps([provider_name]),
        "EODAG_STRICT_COLLECTIONS": "true",
    }
