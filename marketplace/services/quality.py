"""Listing completeness: a 0-1 score with hints for what is missing. Search ranks incomplete listings lower."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

# (record field, weight, hint) per kind: what a buyer needs to decide without asking.
CHECKS: dict[str, tuple[tuple[str, int, str], ...]] = {
    "instrument": (
        ("description", 3, "Describe what the instrument can measure 描述检测能力"),
        ("model", 2, "Add the model 填写型号"), ("manufacturer", 1, "Add the manufacturer 填写厂商"),
        ("category", 2, "Choose a category 选择仪器类别"), ("region", 2, "Set the location 填写所在地区"),
        ("fees", 3, "Publish fees 公布收费标准"), ("service_modes", 2, "Choose service modes 选择服务方式"),
        ("capabilities", 2, "List capabilities 列出检测项目"), ("standards", 1, "List standards 列出检测标准"),
        ("booking_rules", 1, "Explain booking rules 说明预约规则"), ("origin", 1, "Say domestic or imported 标注产地"),
    ),
    "product": (
        ("description", 3, "Describe the product 描述产品"), ("model", 2, "Add the model 填写型号"),
        ("specs", 3, "Add technical specifications 填写技术参数"), ("price_min_cny", 2, "Give a price range 给出价格区间"),
        ("replaces", 2, "Name imported models it replaces 填写可替代的进口型号"),
        ("certifications", 1, "List certifications 列出认证"), ("category", 2, "Choose a category 选择仪器类别"),
        ("region", 1, "Set the location 填写所在地区"),
    ),
    "transfer": (
        ("description", 3, "Describe the technology 描述技术成果"), ("field", 2, "Name the field 填写技术领域"),
        ("patents", 2, "List patents 列出专利"), ("trl", 2, "Give the maturity (TRL) 填写成熟度"),
        ("transfer_modes", 2, "Choose transfer modes 选择转化方式"), ("asking_price_cny", 1, "Give an asking price 填写报价"),
        ("region", 1, "Set the location 填写所在地区"),
    ),
    "need": (
        ("description", 3, "Describe what to measure 描述检测内容"), ("sample_type", 2, "Say the sample type 填写样品类型"),
        ("sample_count", 2, "Give the number of samples 填写样品数量"), ("deadline", 1, "Set a deadline 填写截止日期"),
        ("budget_cny", 1, "Give a budget 填写预算"), ("region", 2, "Set your region 填写地区"),
        ("standards", 1, "Name the standard 填写检测标准"),
    ),
}
MIN_DESCRIPTION = 40


@dataclass(frozen=True)
class Completeness:
    score: float
    hints: tuple[str, ...]


def _present(record: Mapping[str, Any], field: str) -> bool:
    value = record.get(field)
    if field == "description":
        return isinstance(value, str) and len(value.strip()) >= MIN_DESCRIPTION
    return value not in (None, "", [], {})


def completeness(record: Mapping[str, Any]) -> Completeness:
    checks = CHECKS[record["kind"]]
    total = sum(weight for _, weight, _ in checks)
    missing = [(weight, hint) for field, weight, hint in checks if not _present(record, field)]
    score = 1 - sum(weight for weight, _ in missing) / total
    return Completeness(round(score, 3), tuple(hint for _, hint in sorted(missing, key=lambda m: -m[0])))
