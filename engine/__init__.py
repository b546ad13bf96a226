"""A generic BPMN runtime on SpiffWorkflow: it knows BPMN, not hazards."""

from .clock import Clock, FixedClock, SystemClock
from .definitions import Definition, Deployed
from .errors import (
    Conflict,
    DeploymentError,
    Detail,
    EngineError,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
)
from .runtime import Engine
from .services import (
    SYSTEM,
    Actor,
    CandidateResolver,
    CaseListener,
    CaseView,
    HandlerRegistry,
    ServiceCall,
)
from .steps import StepResult

__all__ = [
    "SYSTEM", "Actor", "CandidateResolver", "CaseListener", "CaseView", "Clock", "Conflict",
    "Definition", "Deployed", "DeploymentError", "Detail", "Engine", "EngineError",
    "FixedClock", "Forbidden", "HandlerRegistry", "InvalidInput", "NotFound",
    "PayloadTooLarge", "ServiceCall", "StepResult", "SystemClock",
]
