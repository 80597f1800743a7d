"""Serialization of specs and instance state, stored separately.

The process definition is serialized once per deployed version (``spec_json``); an instance
dump holds only the task trees, data, subprocesses and pending events. ``load_instance``
re-injects the spec dictionaries before handing the state to SpiffWorkflow's serializer,
so SpiffWorkflow's own migrations still run on old dumps.
"""

from __future__ import annotations

import json
from typing import Any

from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

_SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
FORMAT_KEY = "egov_state_format"
FORMAT_VERSION = 1


def dump_specs(spec: BpmnProcessSpec, subprocess_specs: dict[str, BpmnProcessSpec]) -> str:
    """Serializes the top-level spec and all subprocess/call-activity specs."""
    registry = _SERIALIZER.registry
    dct = {
        "spec": registry.convert(spec),
        "subprocess_specs": {name: registry.convert(s) for name, s in subprocess_specs.items()},
    }
    return json.dumps(dct, sort_keys=True)


def load_specs(spec_json: str) -> tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]:
    """Restores the spec objects written by :func:`dump_specs`."""
    dct = json.loads(spec_json)
    registry = _SERIALIZER.registry
    spec = registry.restore(dct["spec"])
    subs = {name: registry.restore(s) for name, s in dct["subprocess_specs"].items()}
    return spec, subs


def dump_instance(workflow: BpmnWorkflow) -> str:
    """Serializes the instance state without the spec."""
    registry = _SERIALIZER.registry
    registry._encoder_mode = True
    try:
        dct = _SERIALIZER.to_dict(workflow)
    finally:
        registry._encoder_mode = False
    dct.pop("spec", None)
    dct.pop("subprocess_specs", None)
    dct[_SERIALIZER.VERSION_KEY] = _SERIALIZER.VERSION
    dct[FORMAT_KEY] = FORMAT_VERSION
    return json.dumps(dct, cls=_SERIALIZER._encoder_cls, separators=(",", ":"))


def load_instance(spec_json: str, state_json: str) -> BpmnWorkflow:
    """Restores an instance dumped by :func:`dump_instance` with the given spec JSON."""
    dct: dict[str, Any] = json.loads(state_json)
    dct.pop(FORMAT_KEY, None)
    dct.update(json.loads(spec_json))
    _SERIALIZER.migrate(dct)
    workflow: BpmnWorkflow = _SERIALIZER.from_dict(dct)
    return workflow


def serializer_version() -> str:
    """The SpiffWorkflow serializer format version used for dumps."""
    return str(_SERIALIZER.VERSION)
