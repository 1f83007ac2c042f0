"""Small builders for test data: valid records and signed-in users."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from stdnum.cn import uscc

from indexer.worker import Worker
from marketplace.kinds import Field, FieldType, Kind
from marketplace.models import Role, User
from marketplace.passwords import PasswordHasher
from marketplace.services import accounts, memberships
from marketplace.services.deals import LineItem

PASSWORD = "correct-horse-9"
# The method tests configure (tests/conftest.py): one iteration, since hashing strength is not under test here.
FAST_HASH = "pbkdf2:sha256:1"
TEST_PASSWORDS = PasswordHasher(FAST_HASH)


def credit_code(body: str = "91420100MA4K1234") -> str:
    """A valid unified social credit code: 17 characters plus the computed check character."""
    body = (body + "0" * 17)[:17]
    return body + uscc.calc_check_digit(body)


def _merged(record: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Overrides replace fields; an override of None removes the field."""
    record = {**record, **overrides}
    return {key: value for key, value in record.items() if value is not None}


def instrument_record(**overrides: Any) -> dict[str, Any]:
    record = {
        "kind": "instrument", "ref": "inst-hplc-1", "title": "高效液相色谱仪 Agilent 1260 Infinity II",
        "description": "可开展药物有关物质、含量测定。Open for sample submission.",
        "owner": {"name": "武汉大学分析测试中心", "kind": "university", "credit_code": credit_code("12420000441")},
        "region": "湖北省/武汉市", "category": "分析仪器/色谱仪器", "keywords": ["HPLC", "液相色谱"],
        "model": "1260 Infinity II", "manufacturer": "Agilent", "origin": "imported",
        "original_value_cny": 650000, "service_modes": ["sample_submission", "operated_by_staff"],
        "fees": [{"item": "有关物质", "price_cny": 300, "unit": "sample"}],
        "certifications": ["CMA"], "capabilities": ["有关物质检测"], "standards": ["中国药典 2025 年版 通则0512"],
    }
    return _merged(record, overrides)


def need_record(**overrides: Any) -> dict[str, Any]:
    record = {
        "kind": "need", "ref": "need-capsule-1", "title": "胶囊剂有关物质检测 HPLC，200 个样品",
        "description": "需要在两周内完成 200 个胶囊样品的微量杂质检测。",
        "owner": {"name": "武汉某药业有限公司", "kind": "enterprise"},
        "region": "湖北省/武汉市", "sample_type": "胶囊", "sample_count": 200, "deadline": "2026-12-31",
        "budget_cny": 60000, "domestic_only": False,
    }
    return _merged(record, overrides)


# A valid value of each field type, for tests that cover every field of the registry.
SAMPLES: dict[FieldType, Any] = {
    FieldType.TEXT: "Sample; text",
    FieldType.LONG_TEXT: "A longer text, long enough to describe a posting.\nIt has two lines.",
    FieldType.INTEGER: 7, FieldType.MONEY: 1234.5, FieldType.DATE: "2026-12-31", FieldType.BOOLEAN: True,
    FieldType.TEXT_LIST: ["FIRST", "SECOND; WITH A SEMICOLON"], FieldType.REGION: "湖北省/武汉市",
    FieldType.CATEGORY: "分析仪器/色谱仪器", FieldType.SPECS: {"流速范围": "0.001-10 mL/min", "柱温": "5-80 ℃"},
}


def sample_value(field: Field) -> Any:
    if field.fixed is not None:
        return field.fixed
    if field.type is FieldType.CHOICE:
        return field.choice_values[-1] if field.default is None else field.default
    if field.type is FieldType.CHOICE_LIST:
        return list(field.choice_values[:2])
    if field.type is FieldType.FEES:
        return [{"item": "含量测定", "price_cny": 300.0, "unit": field.choice_values[1]}]
    if field.type is FieldType.INTEGER:
        return int(field.minimum or 0) + 1
    return SAMPLES[field.type]


def full_record(kind: Kind) -> dict[str, Any]:
    """A record of the kind with every field of the registry filled in with a sample of its type."""
    record = {"kind": kind.name, "ref": f"full-{kind.name}"}
    record.update({field.name: sample_value(field) for field in kind.fields})
    return record


def register(session, email: str = "lab@example.com", organisation: str = "武汉大学分析测试中心",
             kind: str = "university", **extra: Any):
    """A user with a fast password hash (tests sign in with PASSWORD)."""
    return accounts.register(session, TEST_PASSWORDS, email=email, password=PASSWORD, display_name="Test User",
                             organisation_name=organisation, organisation_kind=kind, **extra)


def platform_admin(session, email: str = "admin@example.com"):
    user = register(session, email=email, organisation="平台运营中心", kind="institute")
    user.role = Role.PLATFORM_ADMIN
    session.commit()
    return user


def login(client, email: str = "lab@example.com") -> None:
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)


def index_all(app) -> None:
    """Drain the search outbox into the app's backend, as the indexer would."""
    searcher = app.extensions["search"].searcher
    Worker(app.extensions["database"].new_session, searcher.backend, searcher.embedder).run(
        until_idle=True, poll_interval=0.01)


def invited_member(session, admin_email: str = "lab@example.com", email: str = "colleague@example.com"):
    """A second member of an organisation, joined the only way there is: its administrator's invitation."""
    admin = session.scalar(select(User).where(User.email == admin_email))
    _, code = memberships.create_invitation(session, admin)
    return accounts.register(session, TEST_PASSWORDS, email=email, password=PASSWORD,
                             display_name="Colleague", invitation=code)


def one_line(price_cny: float) -> list[LineItem]:
    """A quote's lines when only its total matters."""
    return [LineItem("检测服务", 1, "item", price_cny)]


def weekday_ahead(days: int) -> date:
    """The first Monday-to-Friday date at least `days` from today: inside an instrument's standard hours."""
    day = date.today() + timedelta(days=days)
    return day + timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)
