"""A procedure's triage configuration: read with defaults, refused field by field."""

from lxml import etree

from egov.workflow.triage_config import TriageConfig, model_problems, parse, problems

MODEL = etree.fromstring(
    b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="p">'
    b'<userTask id="route_request"/></process></definitions>'
)


def test_without_a_threshold_the_chains_applies_and_the_review_task_is_route_request() -> None:
    assert parse({"triage": {"on": "intake"}}) == TriageConfig("intake", None, "route_request")
    assert parse({"triage": {"on": "intake", "threshold": 0.9}}) == TriageConfig(
        "intake", 0.9, "route_request"
    )
    assert parse({}) is None


def test_each_wrong_field_is_named_with_a_german_reason() -> None:
    found = dict(problems({"on": "manchmal", "threshold": -0.1, "review_task": "", "x": 1}))
    assert set(found) == {"triage/on", "triage/threshold", "triage/review_task", "triage/x"}
    assert found["triage/on"] == "intake oder service_task"


def test_the_model_must_hold_the_review_task_and_the_operator_where_it_is_a_service_task() -> None:
    assert model_problems(TriageConfig("intake"), [MODEL]) == []
    assert [name for name, _ in model_problems(TriageConfig("service_task"), [MODEL])] == [
        "triage/on"
    ]
    missing = TriageConfig("intake", review_task="elsewhere")
    assert [name for name, _ in model_problems(missing, [MODEL])] == ["triage/review_task"]
