"""Demo configuration for documents: the legal texts every regulator's documents cite (the
seeds, 待法制科确认), 金安区卫健委's own appeal sentence naming its people's government, and
plausible but fictitious 行政执法证号 for the demo's inspectors and supervisors."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .certificates import certificate_of, set_certificate
from .legal_texts import add_text, seed_defaults
from .schema import unit
from .schema_files import legal_text
from .users import get_user

SEEDER = "system"

# fictitious numbers in the shape of Anhui's 行政执法证 (demo only)
CERTIFICATES: dict[str, str] = {
    "inspector": "皖卫执（2024）第341502001号",
    "jinan": "皖卫执（2023）第341502007号",
    "yuan": "皖卫执（2023）第341503004号",
    "kaifa": "皖卫执（2024）第341571002号",
    "city": "皖卫执（2022）第341500012号",
}

JINAN_APPEAL = (
    "你单位如对本文书不服，可以自收到本文书之日起六十日内依法向六安市金安区人民政府申请行政"
    "复议，或者自收到本文书之日起六个月内依法向人民法院提起行政诉讼。行政复议和行政"
    "诉讼期间，本文书不停止执行，法律另有规定的除外。")


def seed_document_demo(conn: Connection, now: datetime) -> int:
    """Seed what is missing; returns how many rows were added."""
    added = seed_defaults(conn, now)
    for username, number in CERTIFICATES.items():
        if get_user(conn, username) is not None and certificate_of(conn, username) is None:
            set_certificate(conn, username=username, number=number, by=SEEDER, now=now)
            added += 1
    jinan = conn.execute(sa.select(unit.c.id).where(unit.c.code == "LA-JA")).scalar()
    if jinan is not None and conn.execute(sa.select(legal_text.c.id).where(
            legal_text.c.unit_id == jinan, legal_text.c.part == "appeal")).first() is None:
        add_text(conn, SEEDER, now, unit_code="LA-JA", part="appeal", level="", position=1,
                 citation="《中华人民共和国行政复议法》《中华人民共和国行政诉讼法》",
                 body=JINAN_APPEAL)
        added += 1
    return added
