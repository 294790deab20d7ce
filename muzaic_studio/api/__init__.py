"""Backends that turn a soundtrack request into audio: the Muzaic cloud client and shared types."""
