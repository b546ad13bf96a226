"""Deploying: versions, idempotence, and every refusal located at its element and line."""

from __future__ import annotations

import pytest

from hazardflow.engine import DeploymentError, Engine, PayloadTooLarge

from .support import CLERK, bpmn_bytes, load_forms


def _variant(old: str, new: str) -> bytes:
    text = bpmn_bytes().decode()
    assert old in text
    return text.replace(old, new, 1).encode()


def _refusal(engine: Engine, bpmn: bytes, forms: dict | None = None) -> DeploymentError:
    with pytest.raises(DeploymentError) as info:
        engine.deploy(bpmn, load_forms() if forms is None else forms, actor="designer")
    assert info.value.details, "a refusal must say what is wrong"
    return info.value


def test_deploy_returns_key_and_version(make_engine) -> None:
    engine = make_engine()
    deployed = engine.deploy(bpmn_bytes(), load_forms(), actor="designer")
    assert [(d.key, d.version, d.created) for d in deployed] == [("review", 1, True)]


def test_identical_redeploy_returns_existing_version(engine: Engine) -> None:
    again = engine.deploy(bpmn_bytes(), load_forms(), actor="someone-else")
    assert [(d.key, d.version, d.created) for d in again] == [("review", 1, False)]


def test_changed_diagram_is_a_new_version_and_running_cases_keep_theirs(engine: Engine) -> None:
    case = engine.start_case("review", {"unit": "U1"}, CLERK)
    v2 = engine.deploy(_variant('camunda:priority="70"', 'camunda:priority="90"'), load_forms(),
                       actor="designer")
    assert [(d.key, d.version) for d in v2] == [("review", 2)]
    assert engine.definition("review").version == 2
    import sqlalchemy as sa

    from hazardflow.engine.schema import process_case, process_definition
    with engine.db.connect() as conn:
        version = conn.execute(
            sa.select(process_definition.c.version)
            .join(process_case, process_case.c.definition_id == process_definition.c.id)
            .where(process_case.c.id == case.case_id)).scalar()
    assert version == 1


def test_redeploy_without_forms_reuses_the_latest_deployed_forms(engine: Engine) -> None:
    v2 = engine.deploy(_variant('camunda:priority="70"', 'camunda:priority="10"'), None,
                       actor="designer")
    assert v2[0].version == 2
    assert "review_form" in engine.definition("review").forms


def test_xxe_is_refused_naming_the_declaration(make_engine) -> None:
    xxe = (b'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
           + bpmn_bytes().split(b"?>", 1)[1])
    err = _refusal(make_engine(), xxe)
    assert err.details[0].element == "!DOCTYPE"
    assert err.details[0].line == 2


def test_billion_laughs_is_refused(make_engine) -> None:
    lol = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
           b' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n]>\n'
           b"<lolz>&lol2;</lolz>")
    err = _refusal(make_engine(), lol)
    assert "not allowed" in err.details[0].message


def test_oversized_file_is_refused_as_too_large(make_engine) -> None:
    engine = make_engine(max_bpmn_bytes=10_000)
    big = bpmn_bytes().replace(b"</bpmn:definitions>",
                               b"<!--" + b"x" * 20_000 + b"--></bpmn:definitions>")
    with pytest.raises(PayloadTooLarge):
        engine.deploy(big, load_forms(), actor="designer")


def test_malformed_xml_names_the_line(make_engine) -> None:
    err = _refusal(make_engine(), bpmn_bytes().replace(b"</bpmn:process>", b"</bpmn:proc>"))
    assert err.details[0].line is not None and err.details[0].line > 1


@pytest.mark.parametrize("condition", [
    "${__import__('os').system('touch /tmp/pwned')}",
    "${().__class__.__base__.__subclasses__()}",
    "${decision.__class__}",
    "${[x for x in range(10)]}",
    "${(lambda: 1)()}",
])
def test_condition_reaching_python_internals_is_refused(make_engine, condition: str) -> None:
    err = _refusal(make_engine(), _variant('${decision == "approve"}', condition))
    assert err.details[0].element == "Flow_Approved"
    assert err.details[0].line is not None


def test_condition_naming_an_unknown_variable_is_refused(make_engine) -> None:
    err = _refusal(make_engine(), _variant('${decision == "approve"}', '${verdict == "ok"}'))
    assert "verdict" in err.details[0].message
    assert err.details[0].element == "Flow_Approved"


@pytest.mark.parametrize("timer", ["7 days", "${'7 days'}", "P7X"])
def test_bad_timer_is_refused_at_deploy(make_engine, timer: str) -> None:
    err = _refusal(make_engine(), _variant("<bpmn:timeDuration>P2D", f"<bpmn:timeDuration>{timer}"))
    assert err.details[0].element == "Timer_Remind"


def test_user_task_without_assignment_is_refused(make_engine) -> None:
    err = _refusal(make_engine(), _variant(' camunda:assignee="${initiator}"', ""))
    assert err.details[0].element == "Task_Fix"
    assert "assignment" in err.details[0].message


def test_missing_form_is_refused(make_engine) -> None:
    forms = load_forms()
    del forms["fix_form"]
    err = _refusal(make_engine(), bpmn_bytes(), forms)
    assert any(d.element == "Task_Fix" and "fix_form" in d.message for d in err.details)


def test_unregistered_service_topic_is_refused(make_engine) -> None:
    err = _refusal(make_engine(), _variant('camunda:topic="test.record"', 'camunda:topic="nope"'))
    assert err.details[0].element == "Service_Record"


def test_unknown_candidate_scope_is_refused(make_engine) -> None:
    err = _refusal(make_engine(), _variant("reviewer@unit", "reviewer@galaxy"))
    assert "galaxy" in err.details[0].message


def test_script_task_is_refused(make_engine) -> None:
    script = ('<bpmn:scriptTask id="Script_X"><bpmn:script>import os</bpmn:script>'
              "</bpmn:scriptTask></bpmn:process>")
    err = _refusal(make_engine(), _variant("</bpmn:process>", script))
    assert any(d.element == "Script_X" for d in err.details)


def test_reserved_id_is_refused(make_engine) -> None:
    err = _refusal(make_engine(), _variant('id="EndEvent_Done"', 'id="End"').replace(
        b'targetRef="EndEvent_Done"', b'targetRef="End"'))
    assert any(d.element == "End" for d in err.details)


def test_not_bpmn_is_refused(make_engine) -> None:
    err = _refusal(make_engine(), b"<html><body>hi</body></html>")
    assert "BPMN" in err.message or "BPMN" in err.details[0].message


def test_refused_deploy_leaves_no_trace(make_engine) -> None:
    engine = make_engine()
    _refusal(engine, _variant("reviewer@unit", "reviewer@galaxy"))
    import sqlalchemy as sa

    from hazardflow.engine.schema import deployment
    with engine.db.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(deployment)).scalar() == 0


def test_the_same_file_is_parsed_once_per_process_and_a_changed_one_again(make_engine) -> None:
    """Specs are shared by content: another engine (another test, a second runtime in the
    process) deploying the same file gets the very spec objects; a changed file its own."""
    first, second = make_engine(), make_engine()
    for engine in (first, second):
        engine.deploy(bpmn_bytes(), load_forms(), actor="designer")
    with first.db.connect() as conn:
        one = first.definition(conn, "review")
    with second.db.connect() as conn:
        two = second.definition(conn, "review")
    assert one is not two  # each engine keeps its own definition (its forms, its id)
    assert one.spec is two.spec
    assert one.subprocess_specs == two.subprocess_specs
    first.deploy(_variant('camunda:priority="70"', 'camunda:priority="90"'), load_forms(),
                 actor="designer")
    with first.db.connect() as conn:
        changed = first.definition(conn, "review")
    assert changed.version == 2 and changed.spec is not one.spec
    assert changed.user_task_ext("Task_Review")["priority"] == "90"
    assert one.user_task_ext("Task_Review")["priority"] == "70"
