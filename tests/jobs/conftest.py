from __future__ import annotations

from tests.services.conftest import instance, org, spec  # noqa: F401 - shared fixtures
