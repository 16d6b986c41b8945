"""A valid specification survives a YAML and a JSON round trip unchanged."""

from __future__ import annotations

import json

import yaml
from hypothesis import HealthCheck, given, settings

from microcred.model import parse_award, parse_specification
from microcred.model.files import dump_json, dump_yaml
from tests.strategies import award_data, spec_data

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(spec_data())
def test_spec_yaml_round_trip(data):
    spec = parse_specification(data)
    again = parse_specification(yaml.safe_load(dump_yaml(spec)))
    assert again == spec
    assert again.to_data() == spec.to_data()


@SETTINGS
@given(spec_data())
def test_spec_json_round_trip(data):
    spec = parse_specification(data)
    again = parse_specification(json.loads(dump_json(spec)))
    assert again == spec


@SETTINGS
@given(award_data())
def test_award_json_round_trip(data):
    award = parse_award(data)
    assert parse_award(json.loads(json.dumps(award.to_data()))) == award
