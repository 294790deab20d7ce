"""The Muzaic cloud client (HTTP, keyring credentials) and the HTTP client of the offline
engine's child process. Shared types live in muzaic_studio.contract."""
