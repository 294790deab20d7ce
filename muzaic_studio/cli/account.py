"""`muzaic-studio tags`, `account` and `key`: the catalogue, the balance and the API key
in the system keyring."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from muzaic_studio.cli.common import EXIT_AUTH, EXIT_INVALID, EXIT_OK, CliError, backend_for


def cmd_tags(args: argparse.Namespace) -> int:
    data = backend_for(args).tags()
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return EXIT_OK
    tags = [t for t in data.get("tags") or [] if isinstance(t, dict)]
    # Category names come with the catalogue when the server sends them (the offline engine
    # does); a bare id is only the fallback, as in the editor's tag picker.
    names = {
        str(c["id"]): str(c["name"])
        for c in data.get("categories") or []
        if isinstance(c, dict) and "id" in c and c.get("name")
    }
    for tag in sorted(
        tags, key=lambda t: (str(t.get("tagCategoryId", "")), str(t.get("name", "")))
    ):
        cat = tag.get("tagCategoryId")
        category = names.get(str(cat)) or f"category {'-' if cat is None else cat}"
        print(f"{tag.get('id')}\t{tag.get('name', '')}\t{category}")
    print(f"{len(tags)} tags", file=sys.stderr)
    return EXIT_OK


def cmd_account(args: argparse.Namespace) -> int:
    account = backend_for(args).account()
    if args.json:
        print(json.dumps(account.raw, indent=2, ensure_ascii=False))
        return EXIT_OK
    fmt = lambda v: "unknown" if v is None else f"{v} tokens"  # noqa: E731
    print(f"Balance: {fmt(account.balance)}")  # tokensRemaining: what a render may spend
    if account.free_tokens is not None:
        print(f"Free:    {fmt(account.free_tokens)}")
    print(f"Used:    {fmt(account.used)}")
    if account.plan:
        print(f"Plan:    {account.plan}")
    if account.expires_at:
        print(f"Expires: {account.expires_at}")
    if account.current_balance is not None:
        print(f"Current balance (next billing estimate): {account.current_balance:g}")
    return EXIT_OK


def _read_key() -> str:
    if sys.stdin is None:
        raise CliError("No input to read the key from.", EXIT_INVALID)
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass("Muzaic API key (hidden): ")
    return sys.stdin.readline()


def _fit_keyring_advice(problem: str) -> str:
    """A keyring problem's fixes without "set MUZAIC_API_KEY" when it is set already.

    With the variable set the key works; the keyring only matters for storing a key for
    other sessions, so the advice is about the keyring alone.
    """
    from muzaic_studio.api import credentials

    if not credentials.env_key() or not problem.endswith(credentials.HOW_TO_FIX):
        return problem
    return (
        problem.removesuffix(credentials.HOW_TO_FIX)
        + f"{credentials.ENV_VAR} is set, so this session has a key; to store one for other "
        "sessions, install and unlock a Secret Service keyring (GNOME Keyring: `sudo apt "
        "install gnome-keyring`, or KWallet on KDE) and log in to a desktop session, or "
        "`pip install keyrings.alt` to keep the key in a plain file at your own risk."
    )


def cmd_key(args: argparse.Namespace) -> int:
    from muzaic_studio.api import credentials
    from muzaic_studio.contract.errors import KeyringUnavailable

    try:
        return _key_action(args, credentials)
    except KeyringUnavailable as exc:
        raise CliError(_fit_keyring_advice(exc.message), exc.exit_code) from None


def _key_action(args: argparse.Namespace, credentials: Any) -> int:
    import dataclasses

    if args.key_command == "set":
        masked = credentials.set_key(_read_key())
        print(f"API key {masked} stored in the system keyring.")
        if credentials.env_key():
            print(f"Note: {credentials.ENV_VAR} is set and overrides it in this environment.")
        return EXIT_OK
    if args.key_command == "clear":
        removed = credentials.clear_key()
        print("API key removed from the system keyring." if removed else "No API key was stored.")
        if credentials.env_key():
            print(f"Note: {credentials.ENV_VAR} is still set in this environment.")
        return EXIT_OK
    status = credentials.key_status()
    if status.problem:
        status = dataclasses.replace(status, problem=_fit_keyring_advice(status.problem))
    print(str(status))
    return EXIT_OK if status.has_key else EXIT_AUTH
