"""Maintenance scripts that build files the product ships (run by hand, checked by the tests)."""
