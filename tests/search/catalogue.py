"""The small bilingual catalogue the search tests share, as search documents (what the indexer builds
from postings; the search library's tests write them directly, each with its ref as its doc id): HPLCs
in two languages and from two regions, a domestic product, other instruments, a transfer, a need, and a
listing with HTML in its title."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from search.backend import Upsert
from search.documents import SearchDocument


def listing(ref: str, kind: str, title: str, body: str, **fields: Any) -> SearchDocument:
    return SearchDocument(doc_id=ref, version=1, kind=kind, ref=ref, title=title, body=body, **fields)


def renamed(document: SearchDocument, ref: str, **changes: Any) -> SearchDocument:
    """Another listing made from `document`: a new ref, and so a new doc id."""
    return replace(document, doc_id=ref, ref=ref, **changes)


def upserts(embedder, documents: Sequence[SearchDocument], version: int = 1) -> list[Upsert]:
    """The documents at `version`, with their vectors."""
    documents = [replace(d, version=version) for d in documents]
    vectors = embedder.embed([d.embedding_text() for d in documents])
    return [Upsert(d, v, embedder.fingerprint.key) for d, v in zip(documents, vectors, strict=True)]


HPLC_WUHAN = listing(
    "hplc-wh", "instrument", "高效液相色谱仪 Agilent 1260 Infinity II",
    "可开展药物有关物质检查与含量测定，送样检测。\n有关物质\n武汉大学分析测试中心\n湖北省 武汉市\n分析仪器 色谱仪器",
    category="分析仪器/色谱仪器", region="湖北省/武汉市", origin="imported", certifications=("CMA",),
    service_modes=("sample_submission",), price_cny_low=300.0, price_cny_high=300.0)
HPLC_BEIJING = listing(
    "hplc-bj", "instrument", "Liquid chromatograph Waters e2695",
    "HPLC for impurity profiling of drug substances. Self-service after training.\nmachine time\n北京市 北京市\n"
    "分析仪器 色谱仪器",
    category="分析仪器/色谱仪器", region="北京市/北京市", origin="imported", certifications=("CNAS",),
    service_modes=("self_service",), price_cny_low=200.0, price_cny_high=200.0)
HPLC_PRODUCT = listing(
    "lc-3000", "product", "国产液相色谱仪 LC-3000",
    "Domestic HPLC replacing Agilent 1260 Infinity II.\nAgilent 1260\n上海市 上海市\n分析仪器 色谱仪器",
    category="分析仪器/色谱仪器", region="上海市/上海市", origin="domestic", price_cny_low=180000.0,
    price_cny_high=260000.0)
SEM = listing(
    "sem", "instrument", "场发射扫描电镜 ZEISS Sigma 300",
    "形貌观察与能谱分析。\n形貌\n湖北省 武汉市\n分析仪器 电子光学仪器",
    category="分析仪器/电子光学仪器", region="湖北省/武汉市", origin="imported", certifications=("CMA", "CNAS"),
    service_modes=("operated_by_staff",), price_cny_low=500.0, price_cny_high=500.0)
XRD = listing(
    "xrd", "instrument", "X-ray diffractometer Bruker D8 ADVANCE",
    "Phase identification and crystallinity.\nphase\n江苏省 南京市\n分析仪器 X射线仪器",
    category="分析仪器/X射线仪器", region="江苏省/南京市", origin="imported", service_modes=("sample_submission",),
    price_cny_low=150.0, price_cny_high=150.0)
ICP_MS = listing(
    "icp-ms", "instrument", "ICP-MS Thermo iCAP RQ",
    "Trace heavy metals (Pb, Cd, As) in food and water.\nper element\n广东省 广州市\n分析仪器 质谱仪器",
    category="分析仪器/质谱仪器", region="广东省/广州市", origin="imported", service_modes=("sample_submission",),
    price_cny_low=80.0, price_cny_high=80.0)
GC_MS = listing(
    "gc-ms", "instrument", "气相色谱-质谱联用仪 Shimadzu QP2020",
    "农药残留与挥发性有机物分析。\n湖北省 宜昌市\n分析仪器 色谱仪器",
    category="分析仪器/色谱仪器", region="湖北省/宜昌市", origin="imported", service_modes=("sample_submission",))
NMR = listing(
    "nmr", "instrument", "核磁共振波谱仪 Bruker AVANCE 400", "有机化合物结构鉴定。\n浙江省 杭州市\n分析仪器 波谱仪器",
    category="分析仪器/波谱仪器", region="浙江省/杭州市", origin="imported")
TENSILE = listing(
    "utm", "product", "Universal testing machine WDW-100",
    "Tensile and compression tests of metals and plastics.\n山东省 济南市\n物理性能测试仪器 力学性能测试仪器",
    category="物理性能测试仪器/力学性能测试仪器", region="山东省/济南市", origin="domestic", price_cny_low=90000.0,
    price_cny_high=90000.0)
TRANSFER = listing(
    "column", "transfer", "手性色谱柱填料制备技术", "用于药物杂质分离的色谱柱。\n湖北省 武汉市", region="湖北省/武汉市",
    price_cny_low=500000.0, price_cny_high=500000.0)
NEED = listing(
    "need-1", "need", "胶囊有关物质检测", "需要液相色谱检测 20 批胶囊。\n湖北省 武汉市", region="湖北省/武汉市",
    price_cny_low=6000.0, price_cny_high=6000.0)
XSS = listing("xss", "instrument", "<script>alert(1)</script> 液相色谱仪", "<b>bold</b>\n湖南省 长沙市",
              region="湖南省/长沙市")
ALL = [HPLC_WUHAN, HPLC_BEIJING, HPLC_PRODUCT, SEM, XRD, ICP_MS, GC_MS, NMR, TENSILE, TRANSFER, NEED, XSS]
HPLC_LISTINGS = {"hplc-wh", "hplc-bj", "lc-3000", "xss", "need-1"}
