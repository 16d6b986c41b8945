"""Token Status List against the reference peer @sd-jwt/jwt-status-list 0.19.0 (with jose):
it verifies and reads the token microcred serves, and microcred reads the lists it makes."""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path
from typing import Any

from microcred.formats.token_status_list import decompress, statuses
from microcred.model.files import load_data
from microcred.services import credentials, organisations, specifications
from microcred.services.credentials import IssueRequest
from microcred.services.instance import Instance
from microcred.services.token_status import published_token
from microcred.services.vcapi import ensure_p256_key
from microcred.settings import Settings
from microcred.store.db import read_transaction
from microcred.store.tables import IssuedCredential

from .jsref import JS_DIR, node_binary

SCRIPT = JS_DIR / "status-list.mjs"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "specs"


def _node(request: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run(
        [node_binary(), str(SCRIPT)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=JS_DIR,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def test_the_peer_verifies_and_reads_microcreds_token(tmp_path):
    instance = Instance(
        Settings(
            home=tmp_path / "home",
            database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}",
            secret_key="test",
            base_url="https://issuer.example",
        )
    )
    try:
        org = organisations.create(instance, name="Rīgas Tehniskā koledža", country="LV")
        spec = specifications.publish(
            instance, org.slug, load_data(EXAMPLES / "university-data-analysis.yaml")
        )
        learners = [("Anna Bērziņa", "anna@example.lv"), ("Jānis Kalniņš", "janis@example.lv")]
        issued = [
            credentials.issue(instance, org.slug, spec.id, IssueRequest(n, e, "2026-06-30"))
            for n, e in learners
        ]
        credentials.revoke(instance, issued[0].id, reason="issued in error")
        credentials.set_suspended(instance, issued[1].id, True, reason="under review")
        with read_transaction(instance.sessions) as session:
            rows = [session.get(IssuedCredential, i.id) for i in issued]
            list_id = rows[0].status_list_id
            indexes = [r.status_index for r in rows]
        token = published_token(instance, org.slug, list_id)
        key, _ = ensure_p256_key(instance, org.id)
        free = next(i for i in range(131_072) if i not in indexes)
        answer = _node({"read": token, "jwk": key.to_public_jwk(), "indexes": [*indexes, free]})
        assert answer["verified"], answer.get("error")
        assert answer["header"]["typ"] == "statuslist+jwt"
        assert answer["bits"] == 2
        assert answer["statuses"] == [1, 2, 0]
        # a key other than the organisation's does not verify it
        other = ensure_p256_key(instance, organisations.create(instance, name="X", country="EE").id)
        refused = _node({"read": token, "jwk": other[0].to_public_jwk(), "indexes": [0]})
        assert not refused["verified"]
    finally:
        instance.close()


def test_microcred_reads_the_peers_lists():
    rng = random.Random(15)
    for bits in (1, 2, 4, 8):
        values = [rng.randrange(1 << bits) if rng.random() < 0.1 else 0 for _ in range(4096)]
        lst = _node({"make": {"bits": bits, "values": values}})["lst"]
        assert statuses(decompress(lst), bits)[: len(values)] == values
