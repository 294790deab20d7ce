"""Muzaic Studio: a desktop timeline editor for scoring media with the Muzaic music API."""

__version__ = "0.1.0"
API_VERSION = "1.0.0"  # the contract version shipped in muzaic_studio/data/soundtrack.openapi.json
