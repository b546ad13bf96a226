"""Importing units from an Excel sheet: a dry run lists each row's problems and writes
nothing; the import writes every row or none."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hazardflow.engine import InvalidInput
from hazardflow.engine.journal import system_event
from hazardflow.workflows.runtime import Runtime
from hazardflow.workflows.schema import unit
from hazardflow.workflows.unit_import import RowsRefused
from hazardflow.workflows.units import county_of, get_unit_by_code
from hazardflow.workflows.usecases import admin as uc
from hazardflow.workflows.users import User

from ..sheets import xlsx
from .conftest import actor

GOOD = [
    ["LA-HS-T01-V01", "霍山县某村卫生室", "村卫生室", "LA-HS-T01", ""],  # before its parent
    ["LA-HS-T01", "霍山县某镇卫生院", "乡镇卫生院", "LA-HS", "某镇卫生院"],
    ["LA-HS-C01", "霍山县某社区卫生服务中心", "community_health_center", "LA-HS", ""],
    ["LA-HS-WJ", "霍山县卫生监督所", "卫生监督所", "LA-HS", ""],
]


def _counts(rt: Runtime) -> tuple[int, int]:
    with rt.db.connect() as conn:
        return (conn.execute(sa.select(sa.func.count()).select_from(unit)).scalar_one(),
                conn.execute(sa.select(sa.func.count()).select_from(system_event))
                .scalar_one())


def test_the_import_dry_run_lists_each_rows_problems_and_writes_nothing(
        rt: Runtime, people: dict[str, User]) -> None:
    sheet = xlsx([
        ["LA-JA-T09", "金安区某镇卫生院", "乡镇卫生院", "LA-JA", ""],          # 2: fine
        ["LA-JA-T09-V01", "某村卫生室", "村卫生室", "LA-NOPE", ""],            # 3
        ["LA-JA-T09", "重复的卫生院", "乡镇卫生院", "LA-JA", ""],              # 4
        ["LA-JA-H01", "已有编码", "诊所", "LA-JA", ""],                       # 5
        ["LA-JA-X01", "某单位", "养老院", "LA-JA", ""],                       # 6
        ["LA-JA-V02", "挂错的村卫生室", "村卫生室", "LA-JA", ""],               # 7
        ["LA-JA-V03", "", "village_clinic", "LA-JA-T09", ""],               # 8
        ["LA-A", "甲", "institution", "LA-B", ""],                          # 9
        ["LA-B", "乙", "institution", "LA-A", ""],                          # 10
        ["LA-JA-Z01", "某诊所", "诊所", "LA-JA-T09-V01", ""],                  # 11
    ])
    before = _counts(rt)
    result = uc.import_units(rt, actor(rt, "boss"), sheet, dry_run=True)
    problems = {r["row"]: r["problems"] for r in result.rows}
    assert result.dry_run and not result.ok and result.created == 0
    assert problems[2] == []
    assert problems[3] == ["上级单位 LA-NOPE 不存在（既不在系统中，也不在表中）"]
    assert problems[4] == ["单位编码 LA-JA-T09 与第 2 行重复"]
    assert problems[5] == ["单位编码 LA-JA-H01 已被现有单位使用"]
    assert problems[6][0].startswith("未知的单位类型：养老院")
    assert problems[7] == ["村卫生室的上级单位须为乡镇卫生院，不能是县区卫健委"]
    assert problems[8] == ["单位名称不能为空"]
    assert problems[9] == problems[10] == ["上级单位在表中形成循环"]
    assert problems[11] == ["诊所的上级单位须为县区卫健委、开发区卫健办，不能是村卫生室"]
    assert [r["kind"] for r in result.rows][:2] == ["township_hospital", "village_clinic"]
    assert _counts(rt) == before


def test_the_import_writes_every_row_or_none(rt: Runtime, people: dict[str, User]) -> None:
    boss = actor(rt, "boss")
    before = _counts(rt)
    with pytest.raises(RowsRefused) as refused:
        uc.import_units(rt, boss, xlsx([*GOOD, ["LA-HS-P01", "某医院", "民营医院", "LA-X", ""]]),
                        dry_run=False)
    assert [d.field for d in refused.value.details] == ["row 6"]
    assert [r["row"] for r in uc.ImportResult.refused(refused.value).rows if r["problems"]] == [6]
    assert "未导入任何单位" in refused.value.message
    assert _counts(rt) == before
    assert uc.import_units(rt, boss, xlsx(GOOD), dry_run=True).ok
    result = uc.import_units(rt, boss, xlsx(GOOD), dry_run=False)
    assert (result.dry_run, result.created, result.ok) == (False, 4, True)
    with rt.db.connect() as conn:
        village = get_unit_by_code(conn, "LA-HS-T01-V01")
        assert village is not None and village.kind == "village_clinic"
        assert county_of(conn, "LA-HS-T01-V01").code == "LA-HS"
        township = get_unit_by_code(conn, "LA-HS-T01")
        assert township is not None and township.short_name == "某镇卫生院"
        actions = [r.action for r in conn.execute(
            sa.select(system_event.c.action).order_by(system_event.c.seq))]
    assert actions == ["unit.created"] * 4 + ["unit.imported"]


@pytest.mark.parametrize(("data", "message"), [
    (b"not a workbook", "不是有效的 Excel 文件"),
    (xlsx([["LA-X", "某单位"]], header=["单位编码", "单位名称"]),
     "表头缺少列：单位类型、上级单位编码"),
    (xlsx([]), "表格中没有单位"),
])
def test_a_file_that_is_not_a_unit_sheet_is_refused(rt: Runtime, people: dict[str, User],
                                                    data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        uc.import_units(rt, actor(rt, "boss"), data, dry_run=True)
