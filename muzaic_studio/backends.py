"""Which backend renders: the one decision the GUI and the CLI share.

* offline=True: the offline engine, always.
* offline=False: the cloud; no key is an Unauthorized error that says how to set one.
* offline=None (automatic): the cloud when a key is available, else the offline engine, so
  a fresh install works at once and says why it is offline.

The engine (numpy, synthesis) and requests are imported only when chosen. The GUI asks
for the engine out of process (`out_of_process=True`: a `muzaic-studio serve` child, see
api/engine_child.py), so numpy/scipy and the synthesis' memory stay out of the editor; the
CLI renders in-process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from muzaic_studio.api.address import api_url
from muzaic_studio.contract.errors import KeyringUnavailable, MuzaicError, Unauthorized

if TYPE_CHECKING:
    from muzaic_studio.contract.backend import Backend


class EngineMissing(MuzaicError):
    """The offline engine is not part of this installation."""

    exit_code = 1


def offline_engine(out_of_process: bool = False) -> Backend:
    """The offline engine: in this process, or (GUI) a client of the shared engine child.

    The child imports the engine, this process does not. A child that cannot start falls
    back to the in-process engine (logged), so the user can still render; only a missing
    engine is an error.
    """
    if out_of_process:
        from muzaic_studio.api.engine_child import EngineStopped, shared_engine

        try:
            return shared_engine().client()
        except EngineStopped:
            raise  # quitting: importing the engine here would only hold up the exit
        except (MuzaicError, OSError) as exc:
            import logging

            logging.getLogger(__name__).warning(
                "offline engine child failed (%s); rendering in-process", exc
            )
    try:
        from muzaic_studio.engine import OfflineEngine
    except ImportError as exc:
        raise EngineMissing(
            f"The offline engine is not available in this installation ({exc}). "
            "Set an API key to render with the Muzaic cloud."
        ) from None
    return OfflineEngine()


def choose_backend(
    offline: bool | None = None,
    api_url_: str | None = None,
    origin: str | None = None,
    key: str | None = None,
    *,
    timeout: float | None = None,
    out_of_process: bool = False,
) -> tuple[Backend, str]:
    """(backend, one sentence saying which one and why), for a status bar or stderr.

    out_of_process: the offline engine runs in a child process (the GUI's choice)."""
    if offline:
        return offline_engine(out_of_process), "Rendering with the offline engine."
    keyring_problem = ""
    if key is None:
        from muzaic_studio.api.credentials import get_key

        try:
            key = get_key()
        except KeyringUnavailable:
            if offline is False:
                raise
            keyring_problem = " (no usable system keyring: see `muzaic-studio key status`)"
    if not key:
        if offline is False:
            raise Unauthorized(
                "No Muzaic API key is set. Run `muzaic-studio key set`, or set MUZAIC_API_KEY."
            )
        return (
            offline_engine(out_of_process),
            f"No API key set{keyring_problem}: rendering with the offline engine.",
        )
    from muzaic_studio.api.cloud import MuzaicCloud

    cloud = MuzaicCloud(api_url(api_url_), key, origin=origin, timeout=timeout)
    where = cloud.base_url + (f" (origin {cloud.origin})" if cloud.origin else "")
    return cloud, f"Rendering with the Muzaic cloud at {where}."


def make_backend(
    offline: bool | None = None,
    api_url: str | None = None,
    origin: str | None = None,
    key: str | None = None,
    *,
    timeout: float | None = None,
) -> Backend:
    """The backend to render with; see the module docstring for the rules."""
    return choose_backend(offline, api_url, origin, key, timeout=timeout)[0]
