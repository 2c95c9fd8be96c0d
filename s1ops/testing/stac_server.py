"""A local STAC API over a folder of zipped SAFE products, standing in for Copernicus.

Endpoints: ``/`` (landing page), ``/conformance``, ``/collections``,
``/collections/{id}``, ``/collections/{id}/items[/{item}]``,
``/collections/{id}/items/{item}/order`` (POST), ``/queryables``,
``/collections/{id}/queryables``, ``/search`` (GET and POST) and
``/download/{product id}.zip``.

A download of a product that is not online yet answers ``202 Accepted`` with
a small JSON body (the eodag provider config treats 202 as "ordered, not
ready"). Failure modes per product are set with ``set_failure`` or a JSON
file (see ``s1ops.testing.stac_failures``).

Tests run the server in a thread::

    with serve_catalogue(folder) as server:
        requests.get(f"{server.url}/search?limit=2")
        server.set_failure(product_id, FailureMode(http_status=429))
        server.stats().downloads
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from s1ops.errors import S1OpsError, StacRequestError
from s1ops.testing.stac_catalogue import Catalogue, CatalogueStats, queryables_doc
from s1ops.testing.stac_failures import FailureMode, Reply
from s1ops.testing.stac_items import (
    COLLECTION_ID,
    item_collection,
    next_link,
    parse_search,
)

log = logging.getLogger(__name__)

CHUNK_BYTES = 64 * 1024
_CONFORMANCE = [
    "https://api.stacspec.org/v1.0.0/core",
    "https://api.stacspec.org/v1.0.0/item-search",
    "https://api.stacspec.org/v1.0.0/item-search#query",
    "https://api.stacspec.org/v1.0.0/item-search#sort",
    "https://api.stacspec.org/v1.0.0/ogcapi-features",
    "https://api.stacspec.org/v1.0.0/collections",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]


class _NotFound(S1OpsError):
    pass


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        catalogue: Catalogue,
        basic_auth: tuple[str, str] | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.basic_auth = basic_auth
        self.refused_auth = 0  # requests answered 401
        super().__init__(address, _Handler)


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    """(user, password) of an ``Authorization: Basic ...`` header, or None."""
    scheme, _, encoded = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = (
            base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
        )
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


class _Handler(BaseHTTPRequestHandler):
    server: _HttpServer
    server_version = "s1ops-stac/1"

    # --- plumbing -----------------------------------------------------------
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    @property
    def base_url(self) -> str:
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        return f"http://{host}"

    def _send_json(self, status: int, doc: Any, content_type: str = "application/json") -> None:
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, code: str, description: str) -> None:
        self._send_json(status, {"code": code, "description": description})

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return {}
        try:
            body = json.loads(raw)
        except ValueError as exc:
            raise StacRequestError("body", raw[:80], "expected a JSON object") from exc
        if not isinstance(body, dict):
            raise StacRequestError("body", body, "expected a JSON object")
        return body

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        path = parts.path.rstrip("/") or "/"
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        try:
            for route_method, pattern, handler in _ROUTES:
                match = pattern.fullmatch(path)
                if match and route_method == method:
                    if handler in _PROTECTED and not self._authorised():
                        return
                    handler(self, params, **match.groupdict())
                    return
            raise _NotFound(f"no {method} route for {path}")
        except StacRequestError as exc:
            self.server.catalogue.count_bad_request()
            self._error(400, "BadRequest", str(exc))
        except _NotFound as exc:
            self._error(404, "NotFound", str(exc))
        except (BrokenPipeError, ConnectionResetError):
            log.debug("client closed the connection during %s %s", method, path)

    def _authorised(self) -> bool:
        """With basic auth on, whether the request carries the right credentials; if not,
        a 401 is sent (as Copernicus does for downloads and orders: searching is open)."""
        expected = self.server.basic_auth
        if expected is None or _basic_credentials(self.headers.get("Authorization")) == expected:
            return True
        self.server.refused_auth += 1
        body = json.dumps({"code": "Unauthorized", "description": "bad credentials"}).encode()
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="s1ops-stac"')
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return False

    # --- routes -------------------------------------------------------------
    def landing(self, params: dict[str, str]) -> None:
        base = self.base_url
        links = [
            {"rel": "self", "href": f"{base}/", "type": "application/json"},
            {"rel": "root", "href": f"{base}/", "type": "application/json"},
            {"rel": "conformance", "href": f"{base}/conformance"},
            {"rel": "data", "href": f"{base}/collections"},
            {"rel": "search", "href": f"{base}/search", "method": "GET"},
            {"rel": "search", "href": f"{base}/search", "method": "POST"},
            {
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                "href": f"{base}/queryables",
            },
        ]
        doc = {
            "type": "Catalog",
            "stac_version": "1.0.0",
            "id": "s1ops-local",
            "title": "S1Ops local STAC catalogue",
            "description": "Synthetic Sentinel-1 products for tests",
            "conformsTo": _CONFORMANCE,
            "links": links,
        }
        self._send_json(200, doc)

    def conformance(self, params: dict[str, str]) -> None:
        self._send_json(200, {"conformsTo": _CONFORMANCE})

    def _check_collection(self, collection: str) -> None:
        if collection != self.server.catalogue.collection:
            raise _NotFound(f"no collection {collection!r}")

    def collections(self, params: dict[str, str]) -> None:
        doc = self.server.catalogue.collection_doc(self.base_url)
        links = [{"rel": "self", "href": f"{self.base_url}/collections"}]
        self._send_json(200, {"collections": [doc], "links": links})

    def collection(self, params: dict[str, str], collection: str) -> None:
        self._check_collection(collection)
        self._send_json(200, self.server.catalogue.collection_doc(self.base_url))

    def queryables(self, params: dict[str, str], collection: str | None = None) -> None:
        if collection is not None:
            self._check_collection(collection)
        doc = queryables_doc(self.base_url + self.path)
        self._send_json(200, doc, "application/schema+json")

    def search(self, params: dict[str, str], collection: str | None = None) -> None:
        body = self._body() if self.command == "POST" else None
        query = parse_search(body if body is not None else params, body)
        if collection is not None:
            self._check_collection(collection)
            query = query.with_collection(collection)
        catalogue = self.server.catalogue
        page, matched = catalogue.search(query, self.base_url)
        url = self.base_url + urlsplit(self.path).path
        more = query.offset + len(page) < matched
        next_ = next_link(query, url, params) if more else None
        self._send_json(200, item_collection(page, matched, next_, self.base_url + self.path))

    def item(self, params: dict[str, str], collection: str, item_id: str) -> None:
        self._check_collection(collection)
        if item_id not in self.server.catalogue.product_ids:
            raise _NotFound(f"no item {item_id!r} in {collection!r}")
        doc = self.server.catalogue.item(item_id, self.base_url)
        self._send_json(200, doc, "application/geo+json")

    def order(self, params: dict[str, str], collection: str, item_id: str) -> None:
        self._check_collection(collection)
        self._body()  # an order body, if any, carries nothing we use
        if item_id not in self.server.catalogue.product_ids:
            raise _NotFound(f"no item {item_id!r} in {collection!r}")
        doc = self.server.catalogue.order(item_id, self.base_url)
        self._send_json(200, doc, "application/geo+json")

    def download(self, params: dict[str, str], item_id: str) -> None:
        if item_id not in self.server.catalogue.product_ids:
            raise _NotFound(f"no product {item_id!r} to download")
        reply = self.server.catalogue.download(item_id)
        self._send_reply(item_id, reply)

    def _send_reply(self, item_id: str, reply: Reply) -> None:
        if reply.delay_s:
            time.sleep(reply.delay_s)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        if reply.status == 200:
            self.send_header("Content-Disposition", f'attachment; filename="{item_id}.zip"')
        if reply.length is not None:
            self.send_header("Content-Length", str(reply.length))
        if reply.retry_after_s is not None:
            self.send_header("Retry-After", str(reply.retry_after_s))
        self.end_headers()
        for start in range(0, len(reply.body), CHUNK_BYTES):
            self.wfile.write(reply.body[start : start + CHUNK_BYTES])
        # HTTP/1.0: the connection closes now, which ends a body sent without
        # Content-Length and cuts short one shorter than its announced length.
        self.close_connection = True


_Route = tuple[str, "re.Pattern[str]", Callable[..., None]]
_C = r"(?P<collection>[^/]+)"
_I = r"(?P<item_id>[^/]+?)"
_ROUTES: list[_Route] = [
    ("GET", re.compile(r"/"), _Handler.landing),
    ("GET", re.compile(r"/conformance"), _Handler.conformance),
    ("GET", re.compile(r"/collections"), _Handler.collections),
    ("GET", re.compile(rf"/collections/{_C}"), _Handler.collection),
    ("GET", re.compile(rf"/collections/{_C}/queryables"), _Handler.queryables),
    ("GET", re.compile(rf"/collections/{_C}/items"), _Handler.search),
    ("GET", re.compile(rf"/collections/{_C}/items/{_I}"), _Handler.item),
    ("POST", re.compile(rf"/collections/{_C}/items/{_I}/order"), _Handler.order),
    ("GET", re.compile(r"/queryables"), _Handler.queryables),
    ("GET", re.compile(r"/search"), _Handler.search),
    ("POST", re.compile(r"/search"), _Handler.search),
    ("GET", re.compile(rf"/download/{_I}(?:\.zip)?"), _Handler.download),
]
# Routes that need the credentials when the server has basic auth on.
_PROTECTED = (_Handler.order, _Handler.download)


class CatalogueServer:
    """The STAC API HTTP server over a ``Catalogue``; use ``start``/``stop`` or ``with``."""

    def __init__(
        self,
        products_dir: str | Path,
        failures: Mapping[str, FailureMode] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        collection: str = COLLECTION_ID,
        basic_auth: tuple[str, str] | None = None,
    ) -> None:
        self.catalogue = Catalogue(products_dir, failures, collection)
        self._httpd = _HttpServer((host, port), self.catalogue, basic_auth)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Root URL of the API, without trailing slash: ``http://127.0.0.1:PORT``."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def search_url(self) -> str:
        """The item search endpoint (an eodag ``api_endpoint``)."""
        return f"{self.url}/search"

    def set_failure(self, product_id: str, mode: FailureMode) -> None:
        """Make ``product_id`` misbehave as ``mode`` says (its counts restart)."""
        self.catalogue.set_failure(product_id, mode)

    def stats(self) -> CatalogueStats:
        """A snapshot of the request counters."""
        return self.catalogue.stats()

    @property
    def refused_auth(self) -> int:
        """How many requests were answered 401 (basic auth on, wrong or no credentials)."""
        return self._httpd.refused_auth

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted (the CLI's way)."""
        log.info("STAC API on %s", self.url)
        try:
            self._httpd.serve_forever()
        finally:
            self._httpd.server_close()

    def start(self) -> CatalogueServer:
        """Serve in a daemon thread."""
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name=f"stac-{self.url}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> CatalogueServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def serve_catalogue(
    products_dir: str | Path,
    failures: Mapping[str, FailureMode] | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    basic_auth: tuple[str, str] | None = None,
) -> Iterator[CatalogueServer]:
    """Serve ``products_dir`` in a thread for the ``with`` block (port 0: any free port).

    ``basic_auth`` (user, password): orders and downloads then need them, as
    eodag's ``GenericAuth`` sends them; searches stay open."""
    server = CatalogueServer(products_dir, failures, host, port, basic_auth=basic_auth)
    with server:
        yield server
