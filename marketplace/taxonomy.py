"""The national instrument classification and the list of regions, kept as data files."""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data"


@cache
def categories() -> list[dict]:
    return json.loads((DATA / "instrument_categories.json").read_text(encoding="utf-8"))


@cache
def regions() -> list[dict]:
    return json.loads((DATA / "regions.json").read_text(encoding="utf-8"))


@cache
def category_paths() -> tuple[str, ...]:
    paths: list[str] = []
    for top in categories():
        paths.append(top["name"])
        paths.extend(f"{top['name']}/{child['name']}" for child in top.get("children", []))
    return tuple(paths)


@cache
def region_paths() -> tuple[str, ...]:
    paths: list[str] = []
    for province in regions():
        paths.append(province["name"])
        paths.extend(f"{province['name']}/{city['name']}" for city in province.get("cities", []))
    return tuple(paths)


def is_known_category(path: str) -> bool:
    """Top level must be one of the 15 national categories; unknown subcategories are allowed."""
    top, _, sub = path.partition("/")
    return path in category_paths() or (bool(sub) and top in category_paths() and "/" not in sub)


def is_known_region(path: str) -> bool:
    """The province must be known; any city below it is accepted."""
    province = path.split("/")[0]
    return province in {p["name"] for p in regions()}


@cache
def category_names_en() -> dict[str, str]:
    """Category path -> its English name ("分析仪器/色谱仪器" -> "Chromatographs")."""
    names: dict[str, str] = {}
    for top in categories():
        names[top["name"]] = top["name_en"]
        names.update((f"{top['name']}/{child['name']}", child["name_en"]) for child in top.get("children", []))
    return names
