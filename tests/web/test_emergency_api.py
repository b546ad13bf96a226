"""The one map's API twin: the layers from the demo, a record kept by its unit and refused to
another county, a 422 naming the fields, the export read back by an import's dry run, and a
unit's place."""

from __future__ import annotations

import io

from flask.testing import FlaskClient

from .conftest import Login, assert_error

API = "/api/v1"
TEAM = {"unit_code": "LA-JA-H01", "name": "金安区人民医院医疗救治队", "speciality": "医疗救治",
        "lat": 31.7526, "lng": 116.5202,
        "members": [{"name": "张伟", "role": "队长", "phone": "13800000001"}]}


def test_the_api_keeps_records_in_scope_and_exports_what_an_import_reads_back(
        client: FlaskClient, login: Login) -> None:
    layers = client.get(f"{API}/map/layers", headers=login("safety2")).get_json()
    depots = layers["layers"]["depots"]["features"]
    assert {d["properties"]["status"] for d in depots} == {"expiring", "ok"}
    assert all(f["properties"]["layer"] == "medical"
               for f in layers["layers"]["medical"]["features"])

    assert_error(client.post(f"{API}/emergency/team", json=TEAM, headers=login("safety2")),
                 403)
    bad = assert_error(client.post(f"{API}/emergency/team", json={**TEAM, "lat": 120.0},
                                   headers=login("safety")), 422)
    assert [d["field"] for d in bad["details"]] == ["lat"]
    made = client.post(f"{API}/emergency/team", json=TEAM, headers=login("safety"))
    assert made.status_code == 201, made.get_json()
    team_id = made.get_json()["id"]
    read = client.get(f"{API}/emergency/team/{team_id}", headers=login("yuan")).get_json()
    assert read["members"] == "张伟|队长|13800000001" and read["may_keep"] is False

    exported = client.get(f"{API}/emergency/team/export?format=geojson",
                          headers=login("safety"))
    assert exported.status_code == 200 and exported.mimetype == "application/geo+json"
    dry = client.post(f"{API}/emergency/team/import", headers=login("yuan"),
                      data={"file": (io.BytesIO(exported.data), "teams.geojson")},
                      content_type="multipart/form-data").get_json()
    # 裕安区 keeps none of these units: every row is refused, nothing is written
    assert dry["dry_run"] and dry["good_rows"] == 0 and dry["rows"] == 4
    assert {p["field"] for p in dry["problems"]} == {"unit_code"}

    place = client.put(f"{API}/units/LA-JA-H01/location", headers=login("safety"),
                       json={"lat": 31.75, "lng": 116.52, "grade": "二级甲等"})
    assert place.get_json()["place"]["grade"] == "二级甲等"
    assert client.delete(f"{API}/emergency/team/{team_id}",
                         headers=login("safety")).status_code == 204
