"""/accountDetails in both documented shapes, with any echoed secret masked.

The OpenAPI page gives `{accountId, name, tokensRemaining, tokensUsed, plan, expiresAt,
createdAt}`; the prose page gives `{apiVersion, secretKey, freeTokensAvailable,
totalUsedTokens, currentBalance}` and so echoes the user's key. Nothing read here may
print, log or keep that key: values equal to it and fields that name a secret are masked
before the answer is stored anywhere, `--json` and reprs included.
"""

from __future__ import annotations

import math
from typing import Any

from muzaic_studio.contract.result import Account

MASK = "<hidden>"
_SECRET_NAMES = {"secretkey", "apikey", "key"}


def is_secret_name(name: str) -> bool:
    """secretKey, apiKey, key, or anything containing 'secret' (not 'keyframes')."""
    low = name.lower()
    return low in _SECRET_NAMES or "secret" in low


def mask_secrets(value: Any, key: str | None = None) -> Any:
    """A copy of *value* (JSON-like) with secret fields and the key itself masked."""
    if isinstance(value, dict):
        return {
            k: MASK if isinstance(k, str) and is_secret_name(k) else mask_secrets(v, key)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [mask_secrets(v, key) for v in value]
    if isinstance(value, str) and key and key in value:
        return value.replace(key, MASK)
    return value


def _int(data: dict[str, Any], name: str) -> int | None:
    value = data.get(name)
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, int | float) and math.isfinite(value) and value >= 0:
        return int(value)
    return None


def _text(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    return str(value) if isinstance(value, str | int | float) and str(value).strip() else None


def read_account(data: dict[str, Any], key: str | None = None) -> Account:
    """An Account from either documented shape (or the offline engine's older one)."""
    raw = mask_secrets(data, key)
    balance = _int(raw, "tokensRemaining")
    if balance is None:
        balance = _int(raw, "balance")  # offline engines before the documented shape
    used = _int(raw, "tokensUsed")
    if used is None:
        used = _int(raw, "totalUsedTokens")
    if used is None:
        used = _int(raw, "used")
    current = raw.get("currentBalance")
    if isinstance(current, str):
        try:
            current = float(current)
        except ValueError:
            current = None
    ok = isinstance(current, int | float) and not isinstance(current, bool)
    return Account(
        balance=balance,
        used=used,
        raw=raw,
        free_tokens=_int(raw, "freeTokensAvailable"),
        plan=_text(raw, "plan"),
        expires_at=_text(raw, "expiresAt"),
        current_balance=float(current) if ok and math.isfinite(current) else None,
    )
