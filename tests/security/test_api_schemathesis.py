"""The HTTP API under schemathesis: every operation of ``/openapi.json``, in process (the ASGI
app, no socket, no network), with generated valid and invalid input, bounded by a small
example count per operation.

Every response must be what the OpenAPI document says: a status code it lists for the
operation, a body that matches the schema given for that code and media type, and never a
5xx. The organisation routes run with a token of the organisation that holds every scope
(and the real slug in the path, so they get past the 404), the wallet routes with a
holder's wallet token.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from microcred.api import create_app
from microcred.model.files import load_data
from microcred.services import holders, organisations, specifications, tokens
from microcred.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "examples" / "specs" / "university-data-analysis.yaml"
ALL_SCOPES = ["issue", "revoke", "read", "admin"]

# Per operation and mode: few examples, no shrinking (a failure is reported as found), the
# same examples at every run, and a time budget for the whole run.
EXAMPLES = 10
BUDGET_SECONDS = 75
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
CHECKED = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


class World:
    """The app with an organisation, its all-scope token, a published specification and a
    holder with a wallet token."""

    def __init__(self, tmp_path: Path) -> None:
        self.app = create_app(
            Settings(
                home=tmp_path / "home",
                database_url=f"sqlite:///{tmp_path / 'api.db'}",
                secret_key="schemathesis",
                base_url="http://testserver",
            )
        )
        instance = self.app.state.instance
        self.org = organisations.create(instance, name="Fuzz College", country="LV")
        _, secret = tokens.create(instance, self.org.slug, "fuzz", ALL_SCOPES)
        self.org_headers = {"Authorization": f"Bearer {secret}"}
        specifications.publish(instance, self.org.id, load_data(SPEC), actor="test")
        holders.create(instance, name="Anna Bērziņa", handle="anna")
        _, holder_secret = holders.create_token(instance, "anna", "fuzz")
        self.holder_headers = {"Authorization": f"Bearer {holder_secret}"}


def test_every_answer_is_documented(tmp_path: Path) -> None:
    world = World(tmp_path)
    api = schemathesis.openapi.from_asgi("/openapi.json", world.app)
    failures: list[str] = []
    started = time.monotonic()
    ran = 0
    operations = [result.ok() for result in api.get_all_operations()]
    # Every operation with valid input first: the invalid input sends bad tokens, and enough
    # of them make the address wait (429) for a while.
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        for operation in operations:
            if time.monotonic() - started > BUDGET_SECONDS:
                break
            path = operation.path
            fixed = {"org": world.org.slug} if "{org}" in path else None
            wallet = path.startswith("/api/v1/wallet")
            headers = world.holder_headers if wallet else world.org_headers
            _fuzz(operation, mode, fixed, headers, failures)
            ran += 1
    elapsed = time.monotonic() - started
    print(f"schemathesis: {ran} runs of {len(operations)} operations in {elapsed:.1f} s")
    assert ran > 0
    assert not failures, f"{len(failures)} failures:\n\n" + "\n\n".join(failures)


def _fuzz(
    operation: Any,
    mode: GenerationMode,
    fixed: dict[str, str] | None,
    headers: dict[str, str],
    failures: list[str],
) -> None:
    seen: set[str] = set()

    @SETTINGS
    @given(case=operation.as_strategy(mode, path_parameters=fixed))
    def run(case: Any) -> None:
        try:
            case.call_and_validate(headers=headers, checks=CHECKED)
        except (Exception, FailureGroup) as exc:  # collected, then reported all together
            text = f"{operation.method.upper()} {operation.path} [{mode}]: {exc}"
            if text[:300] not in seen:
                seen.add(text[:300])
                failures.append(text[:3000])

    try:
        run()
    except Unsatisfiable:
        pass  # nothing of this operation can be made invalid (no parameters, no body)


# Runs the whole API under schemathesis: `pytest -m "not slow"` leaves it out.
pytestmark = pytest.mark.slow
