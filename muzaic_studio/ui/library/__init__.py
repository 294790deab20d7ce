"""The hash library panel."""
