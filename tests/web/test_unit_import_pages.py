"""Importing units from Excel on the page: the dry run lists each row's problems and writes
nothing; the import writes all rows or none."""

from __future__ import annotations

import io

from flask import Flask

from tests.workflows.sheets import xlsx

from .pages import Browser

GOOD = [["LA-HS-T01", "霍山县某镇卫生院", "乡镇卫生院", "LA-HS", ""],
        ["LA-HS-T01-V01", "霍山县某村卫生室", "村卫生室", "LA-HS-T01", ""]]
BAD = [*GOOD, ["LA-HS-V09", "挂错的村卫生室", "村卫生室", "LA-HS", ""]]


def _post(browser: Browser, data: bytes, action: str) -> tuple[int, str]:
    response = browser.post("/admin/units/import", {
        "file": (io.BytesIO(data), "units.xlsx"), "action": action},
        content_type="multipart/form-data", follow_redirects=True)
    return response.status_code, response.get_data(as_text=True)


def test_the_import_page_checks_then_writes_all_rows_or_none(app: Flask) -> None:
    admin = Browser(app, "admin")
    assert "批量导入单位" in admin.html("/admin/units/import")
    template = admin.get("/admin/units/import/template.xlsx")
    assert template.status_code == 200 and template.data[:2] == b"PK"
    status, html = _post(admin, xlsx(BAD), "dry_run")
    assert status == 200 and "村卫生室的上级单位须为乡镇卫生院，不能是县区卫健委" in html
    assert "LA-HS-T01-V01" not in admin.html("/admin/units")
    status, html = _post(admin, xlsx(BAD), "import")
    assert status == 422 and "未导入任何单位" in html and "须为乡镇卫生院" in html
    assert "LA-HS-T01" not in admin.html("/admin/units")
    status, html = _post(admin, xlsx(GOOD), "import")
    assert status == 200 and "已导入 2 个单位" in html and "霍山县某村卫生室" in html
    assert "批量导入单位" in admin.html("/admin/journal")
    status, html = _post(admin, b"plain text", "dry_run")
    assert status == 422 and "不是有效的 Excel 文件" in html


def test_only_an_admin_imports_units(app: Flask) -> None:
    city = Browser(app, "city")
    assert city.get("/admin/units/import").status_code == 403
    status, _ = _post(city, xlsx(GOOD), "import")
    assert status == 403
