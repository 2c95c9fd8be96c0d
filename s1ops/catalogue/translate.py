"""eodag's exceptions turned into s1ops errors that keep their meaning.

eodag 4.10.1 raises ``AuthenticationError`` for 401/403, ``QuotaExceededError``
for 429, ``NotAvailableError`` while a product is offline or staging,
``DownloadError`` for 404/5xx (with a misleading "is empty" message) and
``TimeOutError``; raw ``requests`` errors (a connection cut mid-body) pass
through unwrapped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from s1ops.errors import (
    DownloadAuthError,
    DownloadFailedError,
    ProductDownloadError,
    ProductNotAvailableError,
    QuotaError,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

# Back-off when a 429 carries no Retry-After (eodag drops the response).
DEFAULT_QUOTA_BACKOFF_S = 60.0


def _retry_after_s(exc: BaseException) -> float:
    response = getattr(exc.__cause__, "response", None) or getattr(exc, "response", None)
    value = None if response is None else response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else DEFAULT_QUOTA_BACKOFF_S
    except ValueError:
        return DEFAULT_QUOTA_BACKOFF_S


def is_transient(exc: BaseException) -> bool:
    """Whether retrying the same request may succeed (5xx, timeouts, cut connections)."""
    import requests
    from eodag.utils.exceptions import RequestError, TimeOutError

    if isinstance(exc, TimeOutError | requests.RequestException):
        return True
    if isinstance(exc, RequestError):
        status = getattr(exc, "status_code", None)
        return status is None or status >= 500
    return False


def translate(
    exc: BaseException, product_id: str | None, provider: str, origin: str | None = None
) -> BaseException:
    """The s1ops error for an eodag (or requests) exception; ``exc`` itself if unknown.

    ``origin`` names where the credentials came from, for an authentication error."""
    import requests
    from eodag.utils.exceptions import (
        AuthenticationError,
        MisconfiguredError,
        NotAvailableError,
        QuotaExceededError,
        RequestError,
    )

    first_line = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    if isinstance(exc, AuthenticationError):
        return DownloadAuthError(product_id, provider, first_line, origin)
    if isinstance(exc, MisconfiguredError) and "credentials" in str(exc).lower():
        return DownloadAuthError(product_id, provider, "no credentials given", origin)
    if isinstance(exc, QuotaExceededError):
        return QuotaError(product_id, provider, _retry_after_s(exc))
    if isinstance(exc, NotAvailableError) and product_id is not None:
        return ProductNotAvailableError(product_id, "staging", first_line)
    if isinstance(exc, RequestError | requests.RequestException):
        status = getattr(exc, "status_code", None)
        reason = f"HTTP {status}: {first_line}" if status else f"{type(exc).__name__}: {first_line}"
        return DownloadFailedError(product_id, reason, 1)
    return exc


def with_retries(
    call: Callable[[], T],
    *,
    product_id: str | None,
    provider: str,
    attempts: int,
    backoff_s: float,
    origin: str | None = None,
) -> T:
    """``call()``, retried up to ``attempts`` times on transient errors with doubling back-off.

    Non-transient eodag errors are translated at once; the last transient one
    becomes a ``DownloadFailedError`` counting the attempts.
    """
    from eodag.utils.exceptions import EodagError
    from requests import RequestException

    delay = backoff_s
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except (EodagError, RequestException) as exc:
            error = translate(exc, product_id, provider, origin)
            if not is_transient(exc):
                raise error from exc
            if attempt == attempts:
                reason = error.reason if isinstance(error, DownloadFailedError) else str(error)
                raise DownloadFailedError(product_id, reason, attempts) from exc
            log.warning(
                "%s: attempt %d/%d failed (%s), retrying in %.1f s",
                product_id or "search",
                attempt,
                attempts,
                error,
                delay,
            )
            time.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")  # pragma: no cover


__all__ = ["ProductDownloadError", "is_transient", "translate", "with_retries"]
