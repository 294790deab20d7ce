"""The API key in the keyring (a fake backend: the system's secret store is outside the code)."""

from __future__ import annotations

import keyring
import pytest
from keyring.backends import fail, null

from muzaic_studio.api import credentials
from muzaic_studio.api.cloud import MuzaicCloud
from muzaic_studio.backends import choose_backend, make_backend
from muzaic_studio.contract.errors import InvalidKey, KeyringUnavailable, Unauthorized
from tests.api.helpers import KEY
from tests.fake_keyring import ForgetfulKeyring, LockedKeyring


@pytest.fixture
def use_backend():
    previous = keyring.get_keyring()
    yield keyring.set_keyring
    keyring.set_keyring(previous)


def test_set_get_clear_round_trip(memory_keyring):
    assert credentials.get_key() is None
    assert credentials.set_key(f"  {KEY}\n") == "****CRET"
    assert memory_keyring.store == {("muzaic-studio", "api-key"): KEY}
    assert credentials.get_key() == KEY
    assert credentials.clear_key() is True
    assert credentials.get_key() is None
    assert credentials.clear_key() is False


def test_env_overrides_the_keyring(memory_keyring, monkeypatch):
    credentials.set_key(KEY)
    monkeypatch.setenv("MUZAIC_API_KEY", " env-key-1234567890 ")
    assert credentials.get_key() == "env-key-1234567890"
    status = credentials.key_status()
    assert (status.source, status.masked, status.shadowed) == ("env", "****7890", True)
    assert "MUZAIC_API_KEY" in str(status) and "environment wins" in str(status)
    assert "env-key-1234567890" not in str(status) + repr(status)


def test_status_shows_where_the_key_comes_from_never_the_key(memory_keyring):
    status = credentials.key_status()
    assert not status.has_key and status.source is None
    assert "offline engine" in str(status) and "key set" in str(status)
    credentials.set_key(KEY)
    status = credentials.key_status()
    assert status.has_key and status.source == "keyring"
    assert status.backend == "tests.fake_keyring.MemoryKeyring"
    assert str(status) == "Using the API key stored in the system keyring (****CRET)."
    assert KEY not in repr(status)


def test_short_keys_are_masked_entirely():
    assert credentials.mask("abcdefgh") == "****"
    assert credentials.mask("abcdefghijkl") == "****ijkl"


@pytest.mark.parametrize("bad", ["", "  ", "two words", "tab\tkey", "kéy", "x" * 513])
def test_invalid_keys_are_refused_and_not_stored(memory_keyring, bad):
    with pytest.raises(InvalidKey) as info:
        credentials.set_key(bad)
    assert info.value.exit_code == 2
    assert memory_keyring.store == {}
    if bad.strip():
        assert bad not in info.value.message


@pytest.mark.parametrize("backend", [fail.Keyring, null.Keyring])
def test_no_usable_keyring_says_how_to_fix_it(use_backend, backend):
    use_backend(backend())
    for call in (credentials.get_key, lambda: credentials.set_key(KEY), credentials.clear_key):
        with pytest.raises(KeyringUnavailable) as info:
            call()
        message = info.value.message
        assert "gnome-keyring" in message and "KWallet" in message
        assert "keyrings.alt" in message and "MUZAIC_API_KEY" in message
        assert info.value.exit_code == 3
        assert KEY not in message


def test_the_default_test_backend_is_the_fail_one():
    # tests/conftest.py makes sure no test touches a real desktop keyring
    assert isinstance(keyring.get_keyring(), fail.Keyring)


def test_env_key_works_without_any_keyring(use_backend, monkeypatch):
    use_backend(fail.Keyring())
    monkeypatch.setenv("MUZAIC_API_KEY", KEY)
    assert credentials.get_key() == KEY
    status = credentials.key_status()
    assert status.source == "env" and status.backend is None
    assert "No usable system keyring" in (status.problem or "")


def test_status_never_raises_on_a_broken_keyring(use_backend):
    use_backend(LockedKeyring())
    status = credentials.key_status()
    assert not status.has_key
    assert "locked" in str(status) and "KeyringLocked" in str(status)


def test_a_locked_keyring_is_a_clear_error(use_backend):
    use_backend(LockedKeyring())
    with pytest.raises(KeyringUnavailable, match="may be locked"):
        credentials.get_key()
    with pytest.raises(KeyringUnavailable, match="could not store"):
        credentials.set_key(KEY)


def test_a_keyring_that_forgets_is_detected(use_backend):
    use_backend(ForgetfulKeyring())
    with pytest.raises(KeyringUnavailable, match="did not keep"):
        credentials.set_key(KEY)


# -- choosing the backend ---------------------------------------------------------------------
def test_a_key_means_the_cloud(memory_keyring, monkeypatch):
    credentials.set_key(KEY)
    backend, why = choose_backend()
    assert isinstance(backend, MuzaicCloud)
    assert backend.base_url == "https://m10.muzaic.ai"
    assert "cloud" in why and KEY not in why
    monkeypatch.setenv("MUZAIC_API_URL", "http://127.0.0.1:8765")
    backend = make_backend(origin="web")
    assert (backend.base_url, backend.origin) == ("http://127.0.0.1:8765", "web")
    assert make_backend(api_url="https://other.example").base_url == "https://other.example"
    explicit = make_backend(offline=False, key="another-key-0000")
    assert isinstance(explicit, MuzaicCloud) and "another-key" not in repr(explicit)


def test_forcing_the_cloud_without_a_key_is_unauthorized(memory_keyring):
    with pytest.raises(Unauthorized, match="key set"):
        make_backend(offline=False)


def test_forcing_the_cloud_on_a_broken_keyring_reports_the_keyring(use_backend):
    use_backend(fail.Keyring())
    with pytest.raises(KeyringUnavailable):
        make_backend(offline=False)
