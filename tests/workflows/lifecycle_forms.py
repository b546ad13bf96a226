"""What each step of the hazard lifecycle submits, as the tests fill it in: one function a
form (registration, order, rectification, verification, the major path's order, controls,
report to 应急管理, plan, its review, the resumption application and review)."""

from __future__ import annotations

from datetime import date
from typing import Any

UNIT = "LA-JA-H01"  # 金安区人民医院; county 金安区卫健委 (LA-JA)


def register_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "unit_code": UNIT, "location": "门诊楼三层东侧疏散通道", "category": "fire",
        "level": "general", "description": "疏散通道堆放杂物，安全出口被锁闭",
        "photos_before": ["ev-before-1"], "source": "self_inspection",
    }
    data.update(overrides)
    return data


def order_form(deadline: date, responsible: str = "rectifier", **extra: Any) -> dict[str, Any]:
    return {"disposition": "order", "responsible_user": responsible,
            "deadline": deadline.isoformat(), "order_note": "清理杂物，保持通道畅通", **extra}


def on_spot_form(responsible: str = "rectifier") -> dict[str, Any]:
    return {"disposition": "on_spot", "responsible_user": responsible}


def rectify_form(note: str = "已清理杂物并开启安全出口") -> dict[str, Any]:
    return {"rectification_note": note, "photos_after": ["ev-after-1"], "cost": 200}


def fix_form() -> dict[str, Any]:
    return {"fix_note": "现场清理完毕", "photos_after": ["ev-after-spot"]}


def verify_passed() -> dict[str, Any]:
    return {"verify_result": "passed", "verify_opinion": "整改到位，同意销号"}


def verify_failed(reason: str = "安全出口仍被锁闭") -> dict[str, Any]:
    return {"verify_result": "failed", "verify_opinion": "整改不到位", "fail_reason": reason}


def major_order_form(measure: str = "stop_use") -> dict[str, Any]:
    return {"order_measure": measure,
            "order_requirements": "立即停用液氧站，撤离无关人员，设置警戒，改用备用氧源"}


def controls_form(**overrides: Any) -> dict[str, Any]:
    return {"control_measures": "划定警戒区，专人值守", "shutdown_scope": "partial",
            "evacuated": True, "warning_posted": True, "monitoring": True,
            "cause": "液氧站安全阀失效且未检验",
            "harm": "可能发生爆炸，危及住院部", "difficulty": "需停用液氧站并更换设备",
            "report_summary": "液氧站安全阀失效，已局部停用，报请监管部门", **overrides}


def emergency_form(day: date = date(2026, 11, 2)) -> dict[str, Any]:
    return {"emergency_reported_on": day.isoformat(),
            "emergency_department": "六安市金安区应急管理局",
            "emergency_reporter": "金安区人民医院院长",
            "emergency_summary": "液氧站安全阀失效，已局部停用"}


def plan_approved(listed: bool = False, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"plan_decision": "approved", "listed_supervision": listed,
                            "supervision_note": "同意方案"}
    if listed:
        data["listing_reason"] = "涉及住院部供氧安全，列为区级挂牌督办"
    return {**data, **extra}


PLAN_PARTS = ("plan_goal", "plan_methods", "plan_funding", "plan_organisation",
              "plan_timeline", "plan_safety")


def plan_form(deadline: date, responsible: str = "principal") -> dict[str, Any]:
    return {"plan_goal": "更换安全阀，恢复液氧站安全运行",
            "plan_methods": "委托有资质单位更换并检验", "plan_funding": "专项资金5万元",
            "plan_organisation": "后勤保障部牵头，设备科配合",
            "plan_timeline": "30日内完成", "plan_safety": "备用氧源，制定应急预案",
            "responsible_user": responsible, "deadline": deadline.isoformat()}


def apply_resume_form() -> dict[str, Any]:
    return {"assessment_by": "qualified_agency", "assessment_agency": "安徽某安全评价有限公司",
            "assessment_report": ["ev-report-1"], "application_text": "治理完成，申请恢复使用"}


def review_passed() -> dict[str, Any]:
    return {"review_result": "passed", "review_opinion": "现场审查合格，同意复产，予以核销"}


def review_failed(reason: str = "安全阀检验报告缺失") -> dict[str, Any]:
    return {"review_result": "failed", "review_opinion": "不同意复产", "fail_reason": reason}
