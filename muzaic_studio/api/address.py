"""Where the Muzaic API lives, and the URL facts the key's safety depends on.

Kept apart from the HTTP client so that choosing a backend (muzaic_studio.backends) and the
GUI's settings can name the address without importing `requests`.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from urllib.parse import urlsplit

DEFAULT_API_URL = "https://m10.muzaic.ai"
API_URL_ENV = "MUZAIC_API_URL"


def api_url(explicit: str | None = None) -> str:
    """--api-url, else MUZAIC_API_URL, else the public server."""
    return (explicit or os.environ.get(API_URL_ENV, "") or DEFAULT_API_URL).strip()


def is_loopback_host(host: str | None) -> bool:
    """True for this machine (localhost, 127.x, ::1): plain http is allowed there.

    A name counts only when everything it resolves to is loopback: `x.localhost` goes to
    the system resolver (DNS), which may answer with any address, and the key would then
    cross the network in clear text. Called off the GUI thread (the backend's creation)."""
    if not host:
        return False
    host = host.strip("[]").lower()
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    if host != "localhost" and not host.endswith(".localhost"):
        return False
    try:
        found = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return False
    return bool(found) and all(_loopback_ip(str(info[4][0])) for info in found)


def _loopback_ip(text: str) -> bool:
    try:
        return ipaddress.ip_address(text.split("%")[0]).is_loopback
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
