"""Importing units from Excel through the API, the page's twin: the dry run lists each row's
problems and writes nothing; the import writes all rows or none (422 naming each row)."""

from __future__ import annotations

import io

from flask.testing import FlaskClient

from tests.workflows.sheets import xlsx

from .conftest import Login, assert_error
from .test_unit_import_pages import BAD, GOOD


def test_the_api_imports_units_as_the_page_does(client: FlaskClient, login: Login) -> None:
    def post(data: bytes, dry_run: str, who: str = "admin") -> object:
        return client.post(f"/api/v1/admin/units/import?dry_run={dry_run}",
                           data={"file": (io.BytesIO(data), "units.xlsx")},
                           headers=login(who), content_type="multipart/form-data")

    checked = post(xlsx(BAD), "true")
    assert checked.status_code == 200  # type: ignore[attr-defined]
    body = checked.get_json()  # type: ignore[attr-defined]
    assert (body["dry_run"], body["ok"], body["created"]) == (True, False, 0)
    assert [r["problems"] != [] for r in body["rows"]] == [False, False, True]
    refused = assert_error(post(xlsx(BAD), "false"), 422)
    assert [d["field"] for d in refused["details"]] == ["row 4"]
    done = post(xlsx(GOOD), "false")
    assert done.status_code == 200 and done.get_json()["created"] == 2  # type: ignore[attr-defined]
    assert_error(post(xlsx(GOOD), "true", who="city"), 403)
    assert_error(client.post("/api/v1/admin/units/import", headers=login("admin"),
                             data={}, content_type="multipart/form-data"), 422)
