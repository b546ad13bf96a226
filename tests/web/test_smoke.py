from .conftest import hazard_data


def test_smoke(client, login) -> None:
    r = client.post("/api/v1/hazards", json=hazard_data(), headers=login("inspector"))
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["hazard"]["code"].startswith("YH-2026-")
    assert body["case"]["active_tasks"][0]["element"] == "Task_Triage"
