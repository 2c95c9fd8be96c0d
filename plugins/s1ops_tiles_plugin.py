"""The Airflow plugin of s1ops: the "S1 tiles" page (``s1ops_airflow.tiles_page``).

Airflow loads it from ``[core] plugins_folder`` (``<repo>/plugins``): the
page's FastAPI app is mounted at ``/s1ops`` on the API server, and the UI's
navigation gets an "S1 tiles" entry showing it (``/plugin/s1-tiles``).
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin
from s1ops_airflow.tiles_page import URL_PREFIX, create_app

TILES_ROUTE = "s1-tiles"


class S1OpsTilesPlugin(AirflowPlugin):
    name = "s1ops_tiles"
    # Airflow reads a plugin's components as class attributes (lists), by its design.
    fastapi_apps = [  # noqa: RUF012
        {"app": create_app(), "url_prefix": URL_PREFIX, "name": "S1 tiles"}
    ]
    external_views = [  # noqa: RUF012
        {
            "name": "S1 tiles",
            "href": f"{URL_PREFIX.lstrip('/')}/tiles",
            "url_route": TILES_ROUTE,
            "destination": "nav",
            "nav_top_level": True,
        }
    ]
