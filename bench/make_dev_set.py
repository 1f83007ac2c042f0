"""Writes the labelled development set bench/data/dev/ (format: ../shared/eval/README.md).

The catalogue is the demo catalogue's listings. The 60 queries below were written by hand, two per
instrument family (a Chinese need and an English one, some with filters); grades follow from what
each listing is, by these rules:
  3 = the family asked for, of a kind the query accepts, passing its filters (exactly serves the need)
  2 = a family named as a close substitute, or the family asked for via a technology transfer
  1 = same instrument category as the family asked for (related)

    python -m bench.make_dev_set
"""
from __future__ import annotations

import json
from pathlib import Path

from marketplace.demo.catalogue import generate_catalogue
from marketplace.demo.families import FAMILIES

OUT = Path(__file__).parent / "data" / "dev"
MODEL_FAMILY = {model: f["key"] for f in FAMILIES for _, model in f["imported"] + f["domestic"]}
CATEGORY = {f["key"]: f["category"] for f in FAMILIES}
# Technology transfers serve a family's need when their topic is that measurement.
TRANSFER_FAMILIES = {"高效液相色谱手性色谱柱填料制备技术": ["hplc", "uplc"], "药物基因毒性杂质痕量检测方法": ["lcms"],
                     "国产化扫描电镜场发射电子枪": ["sem"], "小型化质谱离子源技术": ["gcms", "lcms"],
                     "中药材重金属及农残一体化前处理装置": ["icpms", "gcms"],
                     "Nanoparticle size reference materials": ["particle"],
                     "Machine-vision gauge for precision machined parts": ["cmm"],
                     "EMC pre-compliance test fixture": ["emc"],
                     "Rapid qPCR assay for foodborne pathogens": ["qpcr"], "食品中真菌毒素快速检测试纸条": ["lcms"]}

# (id, text, families asked for, close substitutes, kinds accepted or None, filters)
QUERIES = [
    ("q01", "胶囊剂有关物质检测 液相色谱 武汉", ["hplc"], ["uplc"], None, None),
    ("q02", "HPLC impurity test for capsules", ["hplc"], ["uplc"], None, None),
    ("q03", "超高效液相 中药指纹图谱", ["uplc"], ["hplc"], None, None),
    ("q04", "UPLC fast impurity separation", ["uplc"], ["hplc"], None, None),
    ("q05", "原料药残留溶剂 气相色谱", ["gc"], ["gcms"], None, None),
    ("q06", "gas chromatograph residual solvents", ["gc"], ["gcms"], None, None),
    ("q07", "蔬菜农药残留 气质联用", ["gcms"], ["gc", "lcms"], None, None),
    ("q08", "GC-MS VOCs in water", ["gcms"], ["gc"], None, None),
    ("q09", "基因毒性杂质 液质联用 痕量", ["lcms"], ["hplc"], None, None),
    ("q10", "LC-MS/MS veterinary drug residues", ["lcms"], ["gcms"], None, None),
    ("q11", "大米 镉 铅 ICP-MS", ["icpms"], ["icpoes", "aas"], None, None),
    ("q12", "elemental impurities ICH Q3D testing", ["icpms"], ["icpoes"], None, None),
    ("q13", "合金成分 电感耦合等离子体发射光谱", ["icpoes"], ["icpms", "xrf"], None, None),
    ("q14", "ICP-OES major and trace elements", ["icpoes"], ["icpms"], None, None),
    ("q15", "原子吸收 食品 铅", ["aas"], ["icpms", "afs"], None, None),
    ("q16", "atomic absorption lead cadmium", ["aas"], ["icpms"], None, None),
    ("q17", "原子荧光 砷 汞", ["afs"], ["aas", "icpms"], None, None),
    ("q18", "arsenic mercury atomic fluorescence", ["afs"], ["aas"], None, None),
    ("q19", "红外光谱 高分子材料鉴别", ["ftir"], ["raman"], None, None),
    ("q20", "FTIR polymer identification ATR", ["ftir"], ["raman"], None, None),
    ("q21", "拉曼光谱 石墨烯 层数", ["raman"], ["ftir"], None, None),
    ("q22", "confocal Raman graphene", ["raman"], ["ftir"], None, None),
    ("q23", "紫外分光光度计 吸光度", ["uvvis"], [], None, None),
    ("q24", "UV-Vis absorbance measurement", ["uvvis"], [], None, None),
    ("q25", "X射线荧光 RoHS 筛查", ["xrf"], ["icpoes"], None, None),
    ("q26", "XRF RoHS screening electronics", ["xrf"], [], None, None),
    ("q27", "X射线衍射 原料药晶型", ["xrd"], [], None, None),
    ("q28", "XRD phase identification crystallinity", ["xrd"], [], None, None),
    ("q29", "核磁共振 新化合物结构确证", ["nmr"], ["epr"], None, None),
    ("q30", "NMR 1H 13C structure elucidation", ["nmr"], [], None, None),
    ("q31", "电子顺磁共振 自由基", ["epr"], ["nmr"], None, None),
    ("q32", "EPR radical detection", ["epr"], [], None, None),
    ("q33", "扫描电镜 断口形貌 能谱", ["sem"], ["tem"], None, None),
    ("q34", "SEM EDS mapping surface morphology", ["sem"], ["tem"], None, None),
    ("q35", "透射电镜 纳米颗粒 高分辨", ["tem"], ["sem"], None, None),
    ("q36", "TEM HRTEM nanoparticles", ["tem"], ["sem"], None, None),
    ("q37", "原子力显微镜 表面粗糙度", ["afm"], [], None, None),
    ("q38", "AFM surface roughness", ["afm"], [], None, None),
    ("q39", "激光共聚焦 活细胞成像", ["confocal"], ["flow"], None, None),
    ("q40", "confocal microscope live cell imaging", ["confocal"], [], None, None),
    ("q41", "热重 差示扫描量热 玻璃化转变", ["thermal"], [], None, None),
    ("q42", "TGA DSC thermal analysis of polymers", ["thermal"], [], None, None),
    ("q43", "激光粒度 锂电池正极材料", ["particle"], ["bet"], None, None),
    ("q44", "particle size distribution laser diffraction", ["particle"], [], None, None),
    ("q45", "催化剂 比表面积 孔径分布", ["bet"], ["particle"], None, None),
    ("q46", "BET specific surface area", ["bet"], [], None, None),
    ("q47", "塑料 拉伸性能 万能试验机", ["utm"], [], None, None),
    ("q48", "tensile testing machine", ["utm"], [], None, None),
    ("q49", "三坐标 精密零件 尺寸检测", ["cmm"], [], None, None),
    ("q50", "coordinate measuring machine GD&T", ["cmm"], [], None, None),
    ("q51", "电磁兼容 辐射发射 静电", ["emc"], [], None, None),
    ("q52", "EMC radiated emission test", ["emc"], [], None, None),
    ("q53", "高低温湿热试验箱 可靠性", ["chamber"], ["saltspray"], None, None),
    ("q54", "盐雾试验 涂层 耐腐蚀", ["saltspray"], ["chamber"], None, None),
    ("q55", "工业CT 电池内部 无损检测", ["ct"], [], None, None),
    ("q56", "流式细胞仪 细胞凋亡", ["flow"], ["confocal"], None, None),
    ("q57", "荧光定量PCR 转基因检测", ["qpcr"], [], None, None),
    ("q58", "国产液相色谱仪 替代 Agilent 1260", ["hplc"], ["uplc"], ["product"], {"kind": "product"}),
    ("q59", "domestic alternative scanning electron microscope", ["sem"], [], ["product"], {"kind": "product"}),
    ("q60", "质谱 技术转让 离子源", ["gcms", "lcms"], [], ["transfer"], {"kind": "transfer"}),
]


def families_of(record: dict) -> list[str]:
    if record["kind"] == "transfer":
        return TRANSFER_FAMILIES.get(record["title"], [])
    family = MODEL_FAMILY.get(record.get("model", "").removesuffix(" Pro"))
    return [family] if family else []


def grade(record: dict, wanted: list[str], close: list[str], kinds: list[str] | None) -> int:
    families = families_of(record)
    kind_ok = kinds is None or record["kind"] in kinds
    if any(f in wanted for f in families):
        if not kind_ok:
            return 1
        return 2 if record["kind"] == "transfer" and kinds is None else 3
    if any(f in close for f in families) and kind_ok:
        return 2
    wanted_categories = {CATEGORY[f] for f in wanted}
    if record.get("category") in wanted_categories and kind_ok:
        return 1
    return 0


def main() -> None:
    catalogue = [r for r in generate_catalogue() if r["kind"] != "need"]
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / "catalogue.jsonl").open("w", encoding="utf-8") as stream:
        for record in catalogue:
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    with (OUT / "queries.jsonl").open("w", encoding="utf-8") as stream:
        for query_id, text, wanted, close, kinds, filters in QUERIES:
            relevant = {r["ref"]: g for r in catalogue if (g := grade(r, wanted, close, kinds))}
            line = {"id": query_id, "text": text, "relevant": relevant}
            if filters:
                line["filters"] = filters
            stream.write(json.dumps(line, ensure_ascii=False) + "\n")
    print(f"wrote {len(catalogue)} listings and {len(QUERIES)} queries to {OUT}")


if __name__ == "__main__":
    main()
