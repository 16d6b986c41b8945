"""Fixtures shared by the security regression tests: an instance, an organisation, a spec."""

from tests.services.conftest import instance, org, spec

__all__ = ["instance", "org", "spec"]
