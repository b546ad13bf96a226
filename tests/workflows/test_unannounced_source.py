"""Who may say a hazard came from an unannounced visit (暗查暗访): only an inspector or
supervisor of a body above the unit. A unit's own staff cannot hide their own report."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from hazardflow.engine import InvalidInput
from hazardflow.workflows import policy

from .lifecycle import Lifecycle


@pytest.fixture
def lc(db: sa.Engine) -> Iterator[Lifecycle]:
    yield Lifecycle(db)


def test_unit_staff_cannot_mark_their_own_report_as_unannounced(lc: Lifecycle) -> None:
    lc.add_user("hospital_inspector", "inspector@LA-JA-H01")
    for who in ("safety", "principal", "hospital_inspector"):
        with pytest.raises(InvalidInput) as refused:
            lc.report(by=who, source="unannounced")
        [detail] = refused.value.details
        assert detail.field == "source"
        assert "本单位人员不能把本单位的隐患标为暗查暗访" in detail.message
    with lc.db.connect() as conn:
        assert conn.execute(sa.text("select count(*) from hazard")).scalar() == 0


def test_inspectors_and_supervisors_above_the_unit_may_report_an_unannounced_finding(
        lc: Lifecycle) -> None:
    for who in ("inspector", "jinan", "city", "jianduo"):  # jianduo: the 卫生监督所's
        case_id = lc.report(by=who, source="unannounced")
        row = lc.hazard(case_id)
        assert (row["source"], row["visible_to_unit"]) == ("unannounced", False)


def test_a_supervisor_of_another_county_or_a_leader_may_not(lc: Lifecycle) -> None:
    with lc.db.connect() as conn:
        assert not policy.may_report_unannounced(conn, lc.actor("yuan"), "LA-JA-H01")
        assert not policy.may_report_unannounced(conn, lc.actor("leader"), "LA-JA-H01")
        assert policy.may_report_unannounced(conn, lc.actor("jinan"), "LA-JA-T01-V01")
        assert not policy.may_report_unannounced(conn, lc.actor("dongqiao"), "LA-JA-T01-V01")
