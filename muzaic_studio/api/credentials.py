"""The Muzaic API key: in the system keyring, or MUZAIC_API_KEY for one session.

The environment variable wins so a CI job or a one-off shell can use another key without
touching the stored one. When the machine has no usable keyring (a headless Linux box has
none by default) every function says how to fix that; there is deliberately no plain-text
fallback: a user who wants a key file installs `keyrings.alt` and makes that choice.

`keyring` is imported on first use, not at import, to keep the editor's start-up fast.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from muzaic_studio.contract.errors import InvalidKey, KeyringUnavailable
from muzaic_studio.logging_setup import register_secret

SERVICE = "muzaic-studio"
ACCOUNT = "api-key"
ENV_VAR = "MUZAIC_API_KEY"
MAX_KEY_LENGTH = 512

HOW_TO_FIX = (
    "Fix it in one of these ways: install and unlock a Secret Service keyring "
    "(GNOME Keyring: `sudo apt install gnome-keyring`, or KWallet on KDE) and log in to a "
    "desktop session; or `pip install keyrings.alt` to keep the key in a plain file at your "
    f"own risk; or set {ENV_VAR} in the environment for this session."
)


def check_key(key: Any) -> str:
    """The key without surrounding whitespace; InvalidKey when it cannot be a header value.

    Checked before anything is sent because requests puts an invalid header value, i.e. the
    key itself, into its exception message.
    """
    if not isinstance(key, str) or not key.strip():
        raise InvalidKey("The API key is empty.")
    key = key.strip()
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(f"The API key is longer than {MAX_KEY_LENGTH} characters.")
    if not all("!" <= ch <= "~" for ch in key):
        raise InvalidKey(
            "The API key contains spaces, control or non-ASCII characters; "
            "paste the key exactly as the Muzaic dashboard shows it."
        )
    return key


def mask(key: str) -> str:
    """What a user may see of a key: its last 4 characters, and only for a long key."""
    return f"****{key[-4:]}" if len(key) >= 12 else "****"


def _backend_name(backend: Any) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _unusable(backend: Any) -> bool:
    from keyring.backends import fail, null

    if isinstance(backend, fail.Keyring | null.Keyring):
        return True
    # A chainer with nothing behind it is what keyring picks when no backend is viable.
    inner = getattr(backend, "backends", None)
    return isinstance(inner, list) and not inner


def _keyring() -> Any:
    try:
        import keyring

        backend = keyring.get_keyring()
    except Exception as exc:  # a broken keyring install must not crash the app
        raise KeyringUnavailable(
            f"The system keyring could not start ({type(exc).__name__}). {HOW_TO_FIX}"
        ) from None
    if _unusable(backend):
        raise KeyringUnavailable(
            f"No usable system keyring to keep the Muzaic API key in. {HOW_TO_FIX}"
        )
    return backend


def _failed(backend: Any, action: str, exc: Exception) -> KeyringUnavailable:
    # The backend's own message can be long D-Bus noise; its type says enough, and a
    # message never risks echoing the key.
    return KeyringUnavailable(
        f"The system keyring ({_backend_name(backend)}) could not {action} the API key "
        f"({type(exc).__name__}); it may be locked. {HOW_TO_FIX}"
    )


def env_key() -> str | None:
    value = os.environ.get(ENV_VAR, "")
    return value.strip() or None


#: A key the user typed for this session only (no usable keyring): held in this process's
#: memory, never written anywhere, gone when the app quits.
_session_key: str | None = None


def use_for_session(key: str) -> str:
    """Keep *key* (checked) in memory for this session only; returns it masked.

    Why: with no system keyring a typed key could not be used at all; this lets the user
    render now without the plain-text file the module refuses to write.
    """
    global _session_key
    key = check_key(key)
    register_secret(key)
    _session_key = key
    return mask(key)


def session_key() -> str | None:
    return _session_key


def forget_session_key() -> bool:
    """Drop the session key; False when there was none."""
    global _session_key
    had, _session_key = _session_key is not None, None
    return had


def get_key() -> str | None:
    """The key to use: MUZAIC_API_KEY, else this session's typed key, else the keyring's,
    else None.

    Raises KeyringUnavailable only when neither the environment nor the session has a key
    and the keyring cannot be read, so such a user never depends on a keyring.
    """
    key = env_key() or _session_key
    if key:
        register_secret(key)
        return key
    backend = _keyring()
    try:
        stored = backend.get_password(SERVICE, ACCOUNT)
    except Exception as exc:
        raise _failed(backend, "read", exc) from None
    key = stored.strip() if isinstance(stored, str) and stored.strip() else None
    register_secret(key)  # a key that lives only in the keyring is redacted from logs too
    return key


def set_key(key: str) -> str:
    """Store *key* in the keyring (checked first, read back after); returns it masked."""
    key = check_key(key)
    backend = _keyring()
    try:
        backend.set_password(SERVICE, ACCOUNT, key)
        stored = backend.get_password(SERVICE, ACCOUNT)
    except Exception as exc:
        raise _failed(backend, "store", exc) from None
    if stored != key:
        raise KeyringUnavailable(
            f"The system keyring ({_backend_name(backend)}) did not keep the API key. {HOW_TO_FIX}"
        )
    return mask(key)


def clear_key() -> bool:
    """Remove the stored key; False when there was none. MUZAIC_API_KEY is not touched."""
    backend = _keyring()
    try:
        if backend.get_password(SERVICE, ACCOUNT) is None:
            return False
        backend.delete_password(SERVICE, ACCOUNT)
    except Exception as exc:
        raise _failed(backend, "delete", exc) from None
    return True


@dataclass(frozen=True)
class KeyStatus:
    source: str | None  # "env", "session", "keyring" or None when no key is available
    masked: str | None  # e.g. "****a1b2"; never the key
    backend: str | None  # the keyring backend's class, None when it could not be loaded
    problem: str | None = None  # why the keyring cannot be used, with the fix
    shadowed: bool = False  # a keyring key exists but MUZAIC_API_KEY overrides it

    @property
    def has_key(self) -> bool:
        return self.source is not None

    def __str__(self) -> str:
        if self.source == "env":
            text = f"Using the API key from {ENV_VAR} ({self.masked})."
            if self.shadowed:
                text += " A key is also stored in the system keyring; the environment wins."
        elif self.source == "session":
            text = (
                f"Using the API key typed for this session only ({self.masked}): it is not "
                "remembered and must be typed again after Muzaic Studio quits."
            )
        elif self.source == "keyring":
            text = f"Using the API key stored in the system keyring ({self.masked})."
        else:
            text = "No API key is set: Muzaic Studio renders with the offline engine."
            if not self.problem:
                text += " Run `muzaic-studio key set` to store one."
        if self.problem and self.source != "keyring":
            text += f" Keyring: {self.problem}"
        return text


def key_status() -> KeyStatus:
    """Where the key comes from, without raising and without showing it."""
    backend_name: str | None = None
    stored: str | None = None
    problem: str | None = None
    try:
        backend = _keyring()
        backend_name = _backend_name(backend)
        try:
            value = backend.get_password(SERVICE, ACCOUNT)
        except Exception as exc:
            raise _failed(backend, "read", exc) from None
        stored = value.strip() if isinstance(value, str) and value.strip() else None
    except KeyringUnavailable as exc:
        problem = exc.message
    env = env_key()
    if env:
        return KeyStatus("env", mask(env), backend_name, problem, shadowed=stored is not None)
    if _session_key:
        return KeyStatus("session", mask(_session_key), backend_name, problem)
    if stored:
        return KeyStatus("keyring", mask(stored), backend_name, None)
    return KeyStatus(None, None, backend_name, problem)
