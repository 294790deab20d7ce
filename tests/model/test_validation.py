"""validate_request: the seed schema plus the rules it cannot say, in the user's words."""

from __future__ import annotations

import copy

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from muzaic_studio.model import validate_request
from muzaic_studio.model.schema import request_schema, response_schema
from muzaic_studio.model.validation import Problem
from tests.model.schema_strategy import from_schema
from tests.model.strategies import projects


def gen(time: float, duration: float, **kw) -> dict:
    region = {"time": time, "duration": duration, "action": "generate", "tags": [1]}
    region["params"] = {"intensity": 5, "tempo": 5, "tone": 5, "variance": 5, "rhythm": 5}
    region.update(kw)
    return region


def only(body: dict) -> Problem:
    problems = validate_request(body)
    assert len(problems) == 1, problems
    return problems[0]


def test_a_good_body_has_no_problems():
    body = {
        "regions": [
            gen(0, 10, method="smart"),
            {"time": 10, "duration": 5, "action": "copy", "sourceHash": "abc"},
            {"time": 15, "duration": 2.5, "action": "silence"},
            gen(17.5, 3, params={"intensity": [[0, 1], [100, 10]], "tempo": 7}),
        ],
        "normalize": False,
    }
    assert validate_request(body) == []


@pytest.mark.parametrize(
    ("region", "field", "text"),
    [
        (gen(-1, 5), "time", "-1 must be a number >= 0"),
        (gen(3, 0), "duration", "0 must be a number > 0"),
        (gen(3, -2), "duration", "must be a number > 0"),
        (gen(3, 5, params={"tone": 0}), "params.tone", "0 must be an integer 1..10"),
        (gen(3, 5, params={"tone": 11}), "params.tone", "11 must be an integer 1..10"),
        (gen(3, 5, params={"rhythm": 5.5}), "params.rhythm", "must be an integer 1..10"),
        (gen(3, 5, params={"rhythm": "5"}), "params.rhythm", "must be an integer 1..10"),
        (
            gen(3, 5, params={"tempo": [[0, 3], [100, 8]]}),
            "params.tempo",
            "tempo cannot have keyframes",
        ),
        (
            gen(3, 5, params={"tone": [[0, 3], [100, 11]]}),
            "params.tone[1]",
            "value 11 must be 1..10",
        ),
        (gen(3, 5, params={"tone": [[50, 3], [10, 4]]}), "params.tone[1]", "must not go backwards"),
        (gen(3, 5, params={"tone": [[150, 3]]}), "params.tone[0]", "position 150 must be 0..100"),
        (gen(3, 5, params={"tone": []}), "params.tone", "keyframe list is empty"),
        (gen(3, 5, params={"speed": 3}), "params.speed", "unknown param"),
        (gen(3, 5, params=[5]), "params", "must be an object"),
        (gen(3, 5, tags=["rock"]), "tags", "integer tag ids"),
        (gen(3, 5, tags=[1.5]), "tags", "integer tag ids"),
        (gen(3, 5, tags=[True]), "tags", "integer tag ids"),
        (gen(3, 5, tags=3), "tags", "integer tag ids"),
        (gen(3, 5, action="extend"), "action", "must be one of generate, copy, silence"),
        (gen(3, 5, method="fast"), "method", "must be one of strict, smart"),
        ({"time": 3, "duration": 5, "action": "copy"}, "sourceHash", "needs the hash"),
        ({"time": 3, "duration": 5, "action": "copy", "sourceHash": ""}, "sourceHash", "needs"),
        ({"time": 3, "duration": 5}, "action", "is required"),
        (gen(3, float("nan")), "duration", "must be a number > 0"),
        (gen(3, 5, sourceHash=5), "sourceHash", "is not of type 'string'"),
    ],
)
def test_each_rule_names_the_region_its_start_and_the_field(region, field, text):
    body = {"regions": [gen(500, 1), region]}
    problem = only(body)
    assert (problem.index, problem.field) == (1, field)
    assert text in problem.message
    start = region["time"]
    assert str(problem).startswith(f"Region 2 (at {start:.2f} s): {field}: ")


def test_overlap_names_both_regions():
    problem = only({"regions": [gen(0, 10), gen(8, 5)]})
    assert (problem.index, problem.field) == (1, "time")
    assert str(problem) == "Region 2 (at 8.00 s): time: overlaps region 1 (0.00-10.00 s)"
    # touching is not overlapping; the order in the list does not matter
    assert validate_request({"regions": [gen(10, 5), gen(0, 10)]}) == []
    problem = only({"regions": [gen(8, 5), gen(0, 10)]})
    assert problem.index == 0 and "overlaps region 2" in problem.message


def test_longer_than_20_minutes_is_refused():
    problem = only({"regions": [gen(0, 600), gen(600, 600.5)]})
    assert (problem.index, problem.field) == (1, "duration")
    assert "ends at 1200.5 s; the longest allowed is 1200 s" in problem.message
    assert validate_request({"regions": [gen(0, 600), gen(600, 600)]}) == []


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ([], "the request must be a JSON object"),
        ({}, "Soundtrack: regions: is required and must be a list"),
        ({"regions": []}, "Soundtrack: regions: the soundtrack has no regions"),
        (
            {"regions": [gen(0, 1)], "normalize": "auto"},
            "Soundtrack: normalize: must be true or false",
        ),
        ({"regions": ["x"]}, "Region 1: a region must be a JSON object"),
    ],
)
def test_whole_request_problems(body, text):
    assert text in "\n".join(str(p) for p in validate_request(body))


def test_every_problem_is_reported_not_just_the_first():
    body = {"regions": [gen(-1, 0), gen(5, 1, params={"tone": 0, "tempo": 12})]}
    fields = {(p.index, p.field) for p in validate_request(body)}
    assert fields == {(0, "time"), (0, "duration"), (1, "params.tone"), (1, "params.tempo")}


def test_validation_does_not_change_the_body():
    body = {"regions": [gen(0, 1, params={"tone": [[0, 2], [100, 3]]})]}
    before = copy.deepcopy(body)
    validate_request(body)
    assert body == before


@given(projects(allow_keyframes=False))
@settings(max_examples=100, deadline=None)
def test_valid_projects_validate_and_match_the_seed_schema(project):
    body = project.request_body()
    assert validate_request(body) == []
    jsonschema.validate(body, request_schema())


@given(projects(allow_keyframes=True))
@settings(max_examples=100, deadline=None)
def test_projects_with_keyframes_validate(project):
    assert validate_request(project.request_body()) == []


@given(from_schema(request_schema()))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_anything_the_schema_allows_is_judged_without_crashing(body):
    problems = validate_request(body)
    assert all(isinstance(p, Problem) and str(p) for p in problems)
    if not problems:  # what we would send is what the contract describes
        jsonschema.validate(body, request_schema())


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
                    lambda s: st.lists(s, max_size=3) | st.dictionaries(
                        st.sampled_from(["regions", "time", "duration", "action", "params",
                                         "tags", "sourceHash", "normalize", "tone"]), s,
                        max_size=4),
                    max_leaves=12))  # fmt: skip
@settings(max_examples=300, deadline=None)
def test_arbitrary_json_never_crashes_validation(body):
    for problem in validate_request(body):
        assert str(problem)


def test_the_seed_response_schema_is_the_contract_one():
    schema = response_schema()
    assert set(schema["properties"]) == {
        "apiVersion", "status", "regions", "regionHashes", "audioDuration", "mp3", "tokensUsed",
    }  # fmt: skip
