"""Recording an inspection through the page: a failed item's photo, uploaded from the
page, goes with the hazard case the item opens."""

from __future__ import annotations

import json
import re
from pathlib import Path

from flask import Flask

import hazardflow.workflows as workflows_package

from .pages import Browser, png_bytes


def test_an_inspection_page_photo_goes_with_the_case_it_opens(app: Flask) -> None:
    items = json.loads((Path(workflows_package.__file__).parent / "checklists" /
                        "hospital_fire.json").read_text(encoding="utf-8"))["items"]
    inspector = Browser(app, "inspector")
    photo = inspector.upload(png_bytes("orange"), "exit.png")
    form: dict[str, object] = {"checklist": "hospital_fire", "unit_code": "LA-JA-H01",
                               "kind": "routine", "location": "门诊楼"}
    for position in range(1, len(items) + 1):
        form[f"r{position}"] = "pass"
    form["r1"], form["note1"], form["photos1"] = "fail", "安全出口上锁", [photo]
    response = inspector.post("/campaigns/inspections/new?checklist=hospital_fire", form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = inspector.html(response.headers["Location"])
    case_id = int(re.findall(r'href="/cases/(\d+)"', page)[0])
    assert photo.removeprefix("ev-") in inspector.html(f"/cases/{case_id}")
    assert inspector.get(f"/evidence/{photo.removeprefix('ev-')}/thumb").status_code == 200
    assert Browser(app, "safety").get(f"/evidence/{photo.removeprefix('ev-')}").status_code == 200
