#!/usr/bin/env bash
# Remove what install-local.sh installed (same --prefix, default ~/.local). Projects,
# settings, cache, log and the API key in the keyring are the user's and stay.
exec "$(dirname "${BASH_SOURCE[0]}")/install-local.sh" --uninstall "$@"
