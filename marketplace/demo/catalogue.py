"""Deterministic generator of the demo catalogue, as records in the shared catalogue contract.

`generate_catalogue(scale=1)` yields about 170 shared instruments, 110 domestic products,
60 technology transfers and 60 test needs; `scale=N` repeats the catalogue N times with new refs
and varied figures, for benchmarks (scale 30 is about 10k listings, 300 about 100k).
"""
from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from stdnum.cn import uscc

from marketplace.demo.families import FAMILIES
from marketplace.demo.organisations import ENTERPRISES, PROVIDERS, VENDORS
from marketplace.demo.texts import (
    INSTRUMENT_EN,
    INSTRUMENT_ZH,
    NEED_TEMPLATES,
    PRODUCT_EN,
    PRODUCT_ZH,
    TRANSFER_TOPICS,
)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
FAMILY = {family["key"]: family for family in FAMILIES}
FIELDS = {"分析仪器": ("医药、食品、环境、材料", "pharma, food, environment and materials"),
          "物理性能测试仪器": ("新材料、新能源", "new materials and batteries"),
          "计量仪器": ("精密制造", "precision manufacturing"), "电子测量仪器": ("电子信息", "electronics"),
          "工艺试验仪器": ("汽车、电子、涂料", "automotive, electronics and coatings"),
          "特种检测仪器": ("电池、航空零部件", "batteries and aerospace parts"),
          "医学科研仪器": ("生物医药", "biomedicine")}
INSTRUMENTS_PER_PROVIDER = 9
BASE_DEADLINE = date(2026, 12, 15)


def credit_code(name: str, kind: str, division: str) -> str:
    """A checksum-valid unified social credit code derived from the name (institutions 12, firms 91)."""
    prefix = "12" if kind in ("university", "institute") else "91"
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    body = prefix + division + "".join(USCC_ALPHABET[b % len(USCC_ALPHABET)] for b in digest[:9])
    return body + uscc.calc_check_digit(body)


def _owner(name: str, kind: str, division: str) -> dict[str, str]:
    return {"name": name, "kind": kind, "credit_code": credit_code(name, kind, division)}


def _language(rng: random.Random) -> str:
    """About a quarter English only, a tenth Chinese only, the rest Chinese with English terms."""
    roll = rng.random()
    return "en" if roll < 0.25 else "zh" if roll < 0.35 else "mixed"


def _fields(family: dict) -> tuple[str, str]:
    return FIELDS.get(family["category"].split("/")[0], ("科研与产业", "research and industry"))


def _instrument(rng: random.Random, provider: tuple, family: dict, suffix: str, index: int) -> dict[str, Any]:
    name, kind, region, division = provider
    imported = rng.random() < 0.75
    brand, model = rng.choice(family["imported"] if imported else family["domestic"])
    language = _language(rng)
    certifications = rng.choice([["CMA"], ["CMA", "CNAS"], ["CNAS"], [], []])
    caps = rng.sample(family["capabilities"], k=min(3, len(family["capabilities"])))
    caps_zh = [c for c in caps if not c.isascii()] or family["capabilities"][:1]
    caps_en = [c for c in caps if c.isascii()] or ["routine analysis"]
    fields_zh, fields_en = _fields(family)
    values = dict(caps="、".join(caps_zh), caps_en=", ".join(caps_en),
                  cert="、".join(certifications) or "实验室内部质控",
                  days=rng.choice([1, 2, 3, 5]),
                  extra=rng.choice(["自动进样器", "专用软件工作站", "恒温样品室", "多种附件"]),
                  fields=fields_zh, fields_en=fields_en, hours=rng.choice([800, 1200, 1500, 2000]))
    zh = [s.format(**values) for s in rng.sample(INSTRUMENT_ZH, k=rng.randint(3, 5))]
    en = [s.format(**values) for s in rng.sample(INSTRUMENT_EN, k=rng.randint(2, 4))]
    if language == "en":
        title, description = f"{family['en']} ({family['abbr']}) {brand} {model}", " ".join(en)
    elif language == "zh":
        title, description = f"{family['zh']}（{brand} {model}）", "".join(zh)
    else:
        title, description = f"{family['zh']} {family['abbr']} {brand} {model}", "".join(zh) + " " + rng.choice(en)
    fees = [{"item": item, "price_cny": float(rng.randrange(low, high + 1, 10)), "unit": unit}
            for item, low, high, unit in family["fees"]]
    low, high = family["value"]
    ref = f"inst-{index:03d}-{family['key']}{suffix}"
    # Figures drawn from the ref, not from rng, so the rest of the catalogue stays as it was before they existed.
    digest = int.from_bytes(hashlib.sha256(ref.encode()).digest()[:4], "big")
    return {
        "kind": "instrument", "ref": ref, "title": title,
        "description": description, "owner": _owner(name, kind, division), "region": region,
        "category": family["category"], "keywords": [family["abbr"], family["zh"], family["en"].lower()],
        "model": model, "manufacturer": brand, "origin": "imported" if imported else "domestic",
        "original_value_cny": float(rng.randrange(low, high, 10_000)),
        "service_modes": rng.choice([["sample_submission", "operated_by_staff"], ["sample_submission"],
                                     ["operated_by_staff", "self_service"], ["sample_submission", "self_service"]]),
        "fees": fees, "certifications": certifications, "capabilities": caps, "standards": family["standards"],
        "booking_rules": f"请提前 {values['days']} 个工作日预约；外单位用户需签署服务协议。",
        "asset_number": f"{2012 + digest % 12}{digest % 100_000:05d}", "booking_lead_hours": 24 * values["days"],
        "slot_minutes": 30 if digest % 3 == 0 else 60,
    }


def _products(rng: random.Random, suffix: str) -> Iterator[dict[str, Any]]:
    vendors = {short: (full, region, division) for short, full, region, division in VENDORS}
    for family in FAMILIES:
        for brand, model in family["domestic"]:
            for variant in ("", " Pro")[: 2 if rng.random() < 0.9 else 1]:
                vendor = vendors.get(brand) or rng.choice(list(vendors.values()))
                full, region, division = vendor
                replaces = [f"{b} {m}" for b, m in rng.sample(family["imported"], k=min(2, len(family["imported"])))]
                price = rng.randrange(*family["value"], 10_000) * rng.choice([0.5, 0.6, 0.7])
                values = dict(name=f"{family['zh']} {model}{variant}",
                              name_en=f"{family['en'].lower()} {model}{variant}",
                              replaces="、".join(replaces), hours=rng.choice([24, 48]),
                              ratio=rng.choice(["50%", "60%", "70%"]),
                              lead=rng.choice([30, 45, 60, 90]))
                english = rng.random() < 0.25
                pool = PRODUCT_EN if english else PRODUCT_ZH
                description = (" " if english else "").join(s.format(**values) for s in rng.sample(pool, k=3))
                specs = {name: rng.choice(options) for name, options in family["specs"].items()}
                title = (f"Domestic {family['en'].lower()} {model}{variant} ({brand})" if english
                         else f"国产{family['zh']} {brand} {model}{variant}")
                yield {
                    "kind": "product", "ref": f"prod-{family['key']}-{model}{variant}{suffix}".replace(" ", "_"),
                    "title": title, "description": description, "owner": _owner(full, "vendor", division),
                    "region": region, "category": family["category"],
                    "keywords": [family["abbr"], "国产替代", "domestic alternative"], "model": f"{model}{variant}",
                    "manufacturer": brand, "origin": "domestic", "specs": specs,
                    "price_min_cny": round(price, -3), "price_max_cny": round(price * 1.4, -3), "replaces": replaces,
                    "certifications": rng.sample(["CE", "ISO 9001", "计量器具型式批准", "CMC"], k=2),
                }


def _transfers(rng: random.Random, suffix: str) -> Iterator[dict[str, Any]]:
    universities = [p for p in PROVIDERS if p[1] in ("university", "institute")]
    for number, (title, field, description, keywords) in enumerate(TRANSFER_TOPICS):
        for owner in rng.sample(universities, k=3):
            name, kind, region, division = owner
            owner_number = PROVIDERS.index(owner)
            year = rng.choice([2021, 2022, 2023, 2024])
            yield {
                "kind": "transfer", "ref": f"tt-{number:02d}-{owner_number:02d}{suffix}", "title": title,
                "description": description + (" 可提供技术许可与合作开发，欢迎企业洽谈。" if not title.isascii()
                                              else " Available for licensing or co-development."),
                "owner": _owner(name, kind, division), "region": region, "keywords": keywords, "field": field,
                "patents": [f"ZL{year}1{rng.randrange(10**7, 10**8)}.{rng.randrange(10)}"],
                "trl": rng.randint(3, 8),
                "transfer_modes": rng.sample(["license", "assignment", "co_development", "equity"], k=2),
                "asking_price_cny": float(rng.choice([200_000, 500_000, 800_000, 1_500_000, 3_000_000])),
            }


def _needs(rng: random.Random, suffix: str) -> Iterator[dict[str, Any]]:
    for number, (template, family_key, sample, standard, keywords, (low, high),
                 per_sample) in enumerate(NEED_TEMPLATES):
        family = FAMILY[family_key]
        for enterprise in rng.sample(ENTERPRISES, k=2):
            name, region, division = enterprise
            count = rng.randint(low, high)
            city = region.split("/")[-1]
            weeks = rng.choice([1, 2, 3, 4])
            title = template.format(n=count, city=city.removesuffix("市"), weeks=weeks)
            english = title.isascii()
            description = (f"We need {family['en'].lower()} ({family['abbr']}) testing of {count} {sample} samples "
                           f"according to {standard}, with a report within {weeks} weeks." if english else
                           f"我司需要对{count}个{sample}样品按照{standard}进行检测，预计使用{family['zh']}（{family['abbr']}），"
                           f"希望{weeks}周内出具报告，优先考虑{city}及周边具备 CMA 资质的实验室。")
            yield {
                "kind": "need", "ref": f"need-{number:02d}-{ENTERPRISES.index(enterprise):02d}{suffix}", "title": title,
                "description": description,
                "owner": _owner(name, "enterprise", division), "region": region, "category": family["category"],
                "keywords": keywords, "sample_type": sample, "sample_count": count, "standards": [standard],
                "deadline": (BASE_DEADLINE + timedelta(days=7 * weeks + number)).isoformat(),
                "budget_cny": float(round(count * per_sample * rng.choice([0.8, 1.0, 1.3]), -2)),
                "domestic_only": rng.random() < 0.2,
            }


def generate_catalogue(scale: int = 1, seed: int = 7) -> Iterator[dict[str, Any]]:
    for copy in range(scale):
        rng = random.Random(seed * 1000 + copy)
        suffix = "" if copy == 0 else f"-x{copy}"
        index = 0
        for provider in PROVIDERS:
            for family in rng.sample(FAMILIES, k=INSTRUMENTS_PER_PROVIDER):
                index += 1
                yield _instrument(rng, provider, family, suffix, index)
        yield from _products(rng, suffix)
        yield from _transfers(rng, suffix)
        yield from _needs(rng, suffix)
