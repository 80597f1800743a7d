"""The sandbox transport: tagged JSON for the types scripts produce, nothing else."""

from __future__ import annotations

import datetime as dt
import json
import pickle
from decimal import Decimal
from typing import Any

import pytest

from egov.workflow import script_codec as codec

VALUES: list[Any] = [
    None,
    True,
    0,
    -(2**4000),
    1.5,
    "Bürgerbudget \ud800",  # a lone surrogate travels too
    [1, [2, [3]]],
    {"a": {"b": [1, "x"]}},
    {1: "eins", (2, 3): "zwei-drei"},  # keys that are not strings
    {"$egov": "decimal", "v": "1"},  # task data that looks like a tag
    (1, "zwei", (3,)),
    {1, 2, 3},
    Decimal("14.75"),
    Decimal("-0.000001"),
    dt.datetime(2020, 9, 30, 23, 59, 59, 123456),
    dt.datetime(2020, 9, 30, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    dt.date(2020, 9, 30),
    dt.timedelta(days=-1, seconds=5, microseconds=7),
]


@pytest.mark.parametrize("value", VALUES, ids=[type(v).__name__ for v in VALUES])
def test_a_value_a_script_may_produce_survives_the_round_trip_with_its_type(value: Any) -> None:
    body = codec.dumps({"value": codec.encode_value(value)})
    back = codec.decode_value(codec.loads(body)["value"])
    assert back == value
    assert type(back) is type(value)


@pytest.mark.parametrize("value", [range(3), len, object(), b"bytes", iter([])])
def test_a_value_of_another_type_cannot_travel(value: Any) -> None:
    with pytest.raises(codec.CodecError):
        codec.encode_value(value)


@pytest.mark.parametrize(
    "received",
    [
        {"$egov": "pickle", "v": "gASVAAAA"},
        {"$egov": "decimal", "v": 1},
        {"$egov": "decimal", "v": "1", "extra": 2},
        {"$egov": "dict", "v": [[[1], 2]]},  # an unhashable key
        {"$egov": "timedelta", "v": [1, 2]},
        {"$egov": "datetime", "v": "gestern"},
    ],
)
def test_a_malformed_or_unknown_tag_is_refused(received: Any) -> None:
    with pytest.raises(codec.CodecError):
        codec.decode_value(received)


def test_a_frame_body_must_be_a_json_object_so_a_pickle_is_refused() -> None:
    with pytest.raises(codec.CodecError):
        codec.loads(pickle.dumps({"ok": True}))
    with pytest.raises(codec.CodecError):
        codec.loads(b"[1, 2]")
    with pytest.raises(codec.CodecError):
        codec.loads(b"[" * 100_000 + b"]" * 100_000)
    assert json.loads(codec.dumps({"ok": True})) == {"ok": True}
