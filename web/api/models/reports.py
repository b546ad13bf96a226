"""Models of the reports and assessment API: the query parameters that choose a body."""

from __future__ import annotations

from pydantic import Field

from .common import Envelope as E
from .common import Object, Query


class ConsolidatedQuery(Query):
    under: str | None = Field(None, max_length=64, description=(
        "收报单位编码：列出报送给它的报表；省略为本人所在单位（市卫健委为各县区和市直单位，"
        "县区卫健委为辖区单位）(the receiving body: the reports made to it; the reader's own "
        "body when left out)"))


class AssessmentQuery(Query):
    scope: str | None = Field(None, max_length=64, description=(
        "排名范围：向该单位报送的单位（市卫健委为各县区和市直单位，县区为辖区单位）；省略为本人"
        "所在单位 (the ranking of the units reporting to this body; the reader's own body "
        "when left out)"))


class ReportDetailAnswer(E):
    report: Object
