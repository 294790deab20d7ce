"""Where the Muzaic API lives, and the URL facts the key's safety depends on.

Kept apart from the HTTP client so that choosing a backend (muzaic_studio.backends) and the
GUI's settings can name the address without importing `requests`.
"""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlsplit

DEFAULT_API_URL = "https://m10.muzaic.ai"
API_URL_ENV = "MUZAIC_API_URL"


def api_url(explicit: str | None = None) -> str:
    """--api-url, else MUZAIC_API_URL, else the public server."""
    return (explicit or os.environ.get(API_URL_ENV, "") or DEFAULT_API_URL).strip()


def is_loopback_host(host: str | None) -> bool:
    """True for this machine (localhost, 127.x, ::1): plain http is allowed there."""
    if not host:
        return False
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def origin_of(url: str) -> tuple[str, str, int]:
    """(scheme, host, port): two URLs with the same origin may share the key."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    return scheme, (parts.hostname or "").lower(), port


def display(url: str) -> str:
    """scheme://host[:port] without user info or path: safe and short for messages."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")
