"""Case state without its spec, compressed.

SpiffWorkflow's serializer embeds the whole process spec in every instance (about 60% of
the bytes). The spec belongs to the definition version, parsed once and cached, so a case
stores only its tasks and data; on load the cached spec objects are plugged back in.
"""

from __future__ import annotations

import json
import threading
import zlib
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.config import DEFAULT_CONFIG
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnSubWorkflowConverter,
    BpmnWorkflowConverter,
    TaskConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.serializer.workflow import VERSION
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

FORMAT = 1
_EVAL_MIGRATIONS = ("1.0", "1.1")  # their migration path runs version_1_2's eval()


class _TaskIds:
    """A task's dictionary already holds its id as text: key the mapping by it rather than
    format every UUID again (a case of 90 tasks formats 90 fewer per save)."""

    registry: Any

    def mapping_to_dict(self, mapping: Any, **kwargs: Any) -> dict[str, Any]:
        convert = self.registry.convert
        out: dict[str, Any] = {}
        for key, value in mapping.items():
            dct = convert(value)
            out[dct["id"] if isinstance(value, Task) else str(key)] = dct
        return out


class _SubWorkflowConverter(_TaskIds, BpmnSubWorkflowConverter):
    pass


class _SpeclessWorkflowConverter(_TaskIds, BpmnWorkflowConverter):
    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], spec: Any = None,
                  subprocess_specs: Any = None) -> BpmnWorkflow:
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_FINISHED = TaskState.COMPLETED | TaskState.CANCELLED
_TASK_DICTS = "_hf_task_dicts"  # on the top workflow: task id -> (key, dictionary)
_NEXT = "_hf_task_dicts_next"  # the same, filled by the save in progress


class _CachingTaskConverter(TaskConverter):
    """A finished task serializes the same way every step: keep its dictionary.

    The key holds everything the dictionary is made of that could still change for a
    finished task: its parent (history compaction re-parents) and its children. Each save
    keeps only what it used, so tasks cut off with finished history are forgotten.
    """

    def to_dict(self, task: Any) -> dict[str, Any]:
        if not task.state & _FINISHED:
            return super().to_dict(task)
        top = task.workflow.top_workflow.__dict__
        key = (task.state, task.last_state_change, task._parent, tuple(task._children))
        hit = top.get(_TASK_DICTS, {}).get(task.id)
        dct = hit[1] if hit is not None and hit[0] == key else super().to_dict(task)
        top.setdefault(_NEXT, {})[task.id] = (key, dct)
        return dct


class CaseSerializer:
    """Dumps and loads case states. SpiffWorkflow's registry switches itself into an
    "encoder mode" for the length of a dump, so a registry shared by two threads (a gunicorn
    worker's request threads, the scheduler's) would let one thread's dump end the other's
    mode, or hand a migration's conversion the mode of a dump in progress: each thread gets
    its own registry, made the first time it serializes."""

    def __init__(self) -> None:
        self._config = {**DEFAULT_CONFIG, BpmnWorkflow: _SpeclessWorkflowConverter,
                        BpmnSubWorkflow: _SubWorkflowConverter, Task: _CachingTaskConverter}
        self._local = threading.local()

    def _parts(self) -> tuple[BpmnWorkflowSerializer, Any]:
        parts: tuple[BpmnWorkflowSerializer, Any] | None = getattr(self._local, "parts", None)
        if parts is None:
            spiff = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(self._config))
            # one encoder for every save of the thread (it keeps no state between calls)
            encode = spiff._encoder_cls(separators=(",", ":"), ensure_ascii=False).encode
            parts = self._local.parts = (spiff, encode)
        return parts

    @property
    def registry(self) -> Any:
        """This thread's registry (never in another thread's encoder mode)."""
        return self._parts()[0].registry

    def dumps(self, workflow: BpmnWorkflow) -> bytes:
        spiff, encode = self._parts()
        registry = spiff.registry
        registry._encoder_mode = True
        workflow.__dict__[_NEXT] = {}
        try:
            dct = registry.convert(workflow)
            dct["serializer_version"] = VERSION
            dct["hf_format"] = FORMAT
            text = encode(dct)
        finally:
            registry._encoder_mode = False
            workflow.__dict__[_TASK_DICTS] = workflow.__dict__.pop(_NEXT)
        return zlib.compress(text.encode("utf-8"), 1)

    def loads(self, blob: bytes, spec: Any, subprocess_specs: Any,
              script_engine: Any) -> BpmnWorkflow:
        dct = json.loads(zlib.decompress(blob))
        dct.pop("hf_format", None)
        if dct.get("serializer_version") in _EVAL_MIGRATIONS:
            # SpiffWorkflow migrates such states by calling eval() on their timer text;
            # hazardflow never wrote them, so they are not restored.
            raise ValueError(f"case state written by serializer "
                             f"{dct.get('serializer_version')!r} cannot be restored")
        spiff = self._parts()[0]
        spiff.migrate(dct)
        workflow: BpmnWorkflow = spiff.registry.restore(
            dct, spec=spec, subprocess_specs=subprocess_specs)
        workflow.script_engine = script_engine
        return workflow
