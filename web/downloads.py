"""Files the app makes for download (Excel exports), answered the same way by the pages and
the API."""

from __future__ import annotations

from flask import Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(data: bytes, filename: str) -> Response:
    """An Excel workbook the app made, as an attachment called ``filename`` (ASCII)."""
    return Response(data, mimetype=XLSX,
                    headers={"Content-Disposition": f"attachment; filename={filename}"})
