"""Builds the catalogue of the project's own labelled search sets (bench/data/market/catalogue.jsonl).

Two sources, both written by hand for this set (never from the demo generator):
- bench/market_sources/*.txt: Chinese (and some English) shared instruments, domestic products for
  sale and technology-transfer results, one block per listing in the small format parsed below;
- bench/market_uniquip.py: English shared instruments mapped by hand from the real St Andrews
  uniquip feed.

Each block also carries `tag`, the techniques the listing offers as the labeller read it; tags go to
bench/data/market/tags.json for the labelling tools (never into the catalogue the product indexes).
The catalogue is copied into every set folder that shares it (bench/data/heldout, bench/data/market-tune).

    python -m bench.make_market_set

Block format (one field per line, `==` starts a listing; `d` lines are joined into the description):
    == i|p|t REF            instrument, product (for sale) or transfer
    t title                 o owner name | u|i|v|e|t (university, institute, vendor, enterprise, testing agency)
    r province/city         c category path or code (see CATEGORY)
    m maker | model | imp|dom | original value (yuan)
    sm s o x                sample submission, operated by staff, self service
    cert CMA CNAS           fee item price/h|s|i|d; ...
    cap ...; ...            std ...; ...            kw ...; ...
    sp key=value; ...       p min-max (price range)  rep imported models replaced; ...
    pat ...; ...            trl N                   tm license assignment co_development equity
    ask yuan                tag technique tags      d description text
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from bench import market_uniquip
from marketplace.validation import record_errors

HERE = Path(__file__).parent
SOURCES = HERE / "market_sources"
OUT = HERE / "data" / "market"
SETS = [HERE / "data" / "heldout", HERE / "data" / "market-tune"]

CATEGORY = dict(market_uniquip.CATEGORY, **{
    "MECH": "物理性能测试仪器/力学性能测试仪器", "ENVT": "工艺试验仪器/环境试验设备",
    "EMC": "电子测量仪器/电磁兼容测试仪器",
    "VNA": "电子测量仪器/网络分析仪器", "LEN": "计量仪器/长度计量仪器", "ENVA": "分析仪器/环境与农业分析仪器",
    "THP": "物理性能测试仪器/热学性能测量仪器", "ICT": "电子测量仪器/大规模集成电路测试仪器",
    "SAFE": "特种检测仪器/安全检测仪器",
    "TEXT": "工艺试验仪器/纺织工艺试验仪器", "ACOU": "物理性能测试仪器/声学振动仪器", "SEIS": "地球探测仪器/地震仪器",
    "MET": "大气探测仪器/气象台站观测仪器", "OCEANH": "海洋仪器/海洋水文测量仪器",
    "OCEANC": "海洋仪器/海洋化学测量仪器",
    "IMG": "医学科研仪器/影像诊断仪器", "ION": "核仪器/离子束分析仪器", "TEMPM": "计量仪器/热学计量仪器",
    "COMM": "电子测量仪器/通讯测量仪器", "MECHM": "计量仪器/力学计量仪器", "SLASER": "激光器/半导体激光器",
    "OTHER": "其他仪器/其他", "DRILL": "地球探测仪器/钻探仪器", "ATMS": "大气探测仪器/特殊大气探测仪器",
})
KINDS = {"i": "instrument", "p": "product", "t": "transfer"}
OWNER_KINDS = {"u": "university", "i": "institute", "v": "vendor", "e": "enterprise", "t": "testing_agency"}
SERVICE_MODES = {"s": "sample_submission", "o": "operated_by_staff", "x": "self_service"}
FEE_UNITS = {"h": "hour", "s": "sample", "i": "item", "d": "day"}
LISTS = {"cap": "capabilities", "std": "standards", "kw": "keywords", "rep": "replaces", "pat": "patents"}


def split_list(text: str) -> list[str]:
    return [part.strip() for part in text.replace("；", ";").split(";") if part.strip()]


def parse_fee(text: str) -> dict:
    item, _, price = text.rpartition(" ")
    amount, _, unit = price.partition("/")
    return {"item": item.strip(), "price_cny": float(amount), "unit": FEE_UNITS[unit]}


def parse_block(lines: list[str], where: str) -> tuple[dict, str]:
    kind, ref = lines[0][3:].split()
    record: dict = {"kind": KINDS[kind], "ref": ref}
    description, tags = [], ""
    for line in lines[1:]:
        key, _, value = line.partition(" ")
        value = value.strip()
        if key == "t":
            record["title"] = value
        elif key == "d":
            description.append(value)
        elif key == "o":
            name, _, owner_kind = value.rpartition("|")
            record["owner"] = {"name": name.strip(), "kind": OWNER_KINDS[owner_kind.strip()]}
        elif key == "r":
            record["region"] = value
        elif key == "c":
            record["category"] = CATEGORY.get(value, value)
        elif key == "m":
            maker, model, origin, worth = (part.strip() for part in (value + " | | |").split("|")[:4])
            record.update({k: v for k, v in (("manufacturer", maker), ("model", model)) if v})
            if origin:
                record["origin"] = {"imp": "imported", "dom": "domestic"}[origin]
            if worth:
                record["original_value_cny"] = float(worth)
        elif key == "sm":
            record["service_modes"] = [SERVICE_MODES[m] for m in value.split()]
        elif key == "cert":
            record["certifications"] = value.split()
        elif key == "fee":
            record["fees"] = [parse_fee(part) for part in split_list(value)]
        elif key in LISTS:
            record[LISTS[key]] = split_list(value)
        elif key == "sp":
            record["specs"] = dict(part.split("=", 1) for part in split_list(value))
        elif key == "p":
            low, _, high = value.partition("-")
            record["price_min_cny"], record["price_max_cny"] = float(low), float(high or low)
        elif key == "trl":
            record["trl"] = int(value)
        elif key == "tm":
            record["transfer_modes"] = value.split()
        elif key == "ask":
            record["asking_price_cny"] = float(value)
        elif key == "tag":
            tags = value
        else:
            raise SystemExit(f"{where}: unknown field {key!r} in {ref}")
    record["description"] = "".join(description) if all(ord(c) > 0x2e80 for c in "".join(description)[:1]) \
        else " ".join(description)
    if not tags:
        raise SystemExit(f"{where}: {ref} has no technique tag")
    return record, tags


def source_listings() -> tuple[list[dict], dict[str, str]]:
    records, tags = [], {}
    for path in sorted(SOURCES.glob("*.txt")):
        block: list[str] = []
        for line in path.read_text(encoding="utf-8").splitlines() + ["== end"]:
            if line.startswith("=="):
                if block:
                    record, tag = parse_block(block, path.name)
                    records.append(record)
                    tags[record["ref"]] = tag
                block = [line]
            elif line.strip() and not line.startswith("#"):
                block.append(line.strip())
    return records, tags


def main() -> None:
    records, tags = source_listings()
    uk_records, uk_tags = market_uniquip.listings()
    records += uk_records
    tags |= uk_tags
    seen: set[tuple[str, str]] = set()
    for record in records:
        key = (record["kind"], record["ref"])
        if key in seen:
            raise SystemExit(f"duplicate ref {key}")
        seen.add(key)
        if errors := record_errors(record):
            raise SystemExit(f"{record['ref']}: {errors}")
    OUT.mkdir(parents=True, exist_ok=True)
    catalogue = OUT / "catalogue.jsonl"
    catalogue.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    (OUT / "tags.json").write_text(json.dumps(tags, ensure_ascii=False, indent=0, sort_keys=True), encoding="utf-8")
    for folder in SETS:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(catalogue, folder / "catalogue.jsonl")
    print(f"{len(records)} listings -> {catalogue} (and {', '.join(f.name for f in SETS)})")


if __name__ == "__main__":
    main()
