"""The printable comparison of domestic alternatives as a PDF: A4 pages whose columns all fit, the signature
never alone on a page, and a CJK font (the one scripts/bootstrap.sh installs) embedded, so the Chinese
renders wherever the PDF is opened."""
import io
import math
import re

import pytest
from pypdf import PdfReader

from marketplace.services import postings
from tests.factories import index_all, register

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
A4_LANDSCAPE = (841.89, 595.28)  # points
CJK_FONT = re.compile(r"WenQuanYi|NotoSansCJK|Noto ?Sans ?(CJK ?)?SC", re.I)
ALTERNATIVES = 9


@pytest.fixture
def pdf(app, client, session) -> PdfReader:
    vendor = register(session, email="v@example.com", organisation="国产仪器（演示）有限公司", kind="vendor")
    for n in range(ALTERNATIVES):
        postings.create_posting(session, vendor, {
            "kind": "product", "ref": f"lc-{n}", "title": f"国产高效液相色谱仪 LC-{n}00 超长型号名称用于换行测试",
            "description": "可替代 Agilent 1260，适用于药物杂质分析。", "origin": "domestic",
            "replaces": ["Agilent 1260 Infinity II"], "certifications": ["CMA", "计量器具型式批准"],
            "specs": {"流速范围": "0.001-10 mL/min", "耐压": f"{60 + n} MPa",
                      "检测器": "紫外可见 VWD，二极管阵列 DAD 可选", f"型号特有参数{n}": f"特有值{n}",
                      "接口": "USB-RS232-LAN-GPIB-Profibus-Modbus-OPC-UA-Ethernet/IP"},
            "price_min_cny": 150000 + n * 1000, "price_max_cny": 260000})
    index_all(app)
    client.get("/language/zh")
    response = client.get("/alternatives/comparison.pdf?imported=Agilent 1260 Infinity II")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    return PdfReader(io.BytesIO(response.data))


def _fonts(reader: PdfReader) -> dict[str, bool]:
    """Base font name -> whether its program is embedded, over every page."""
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptors = [d.get_object()["/FontDescriptor"] for d in font.get("/DescendantFonts", [])]
            descriptors += [font["/FontDescriptor"]] if "/FontDescriptor" in font else []
            embedded = any(key in d.get_object() for d in descriptors
                           for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts[str(font["/BaseFont"])] = embedded
    return fonts


def test_the_pdf_embeds_a_cjk_font(pdf):
    cjk = {name: embedded for name, embedded in _fonts(pdf).items() if CJK_FONT.search(name)}
    assert cjk and all(cjk.values()), _fonts(pdf)
    assert "比对表" in pdf.pages[0].extract_text()  # the Chinese heading is real text, not missing glyphs


def _text_starts(page) -> list[float]:
    """Where each run of text starts across the page, in points."""
    starts = []

    def visit(text, cm, tm, _font, _size):
        if text.strip():
            starts.append(tm[4] * cm[0] + tm[5] * cm[2] + cm[4])
    page.extract_text(visitor_text=visit)
    return starts


def test_every_page_is_a4_and_every_column_fits(pdf):
    assert len(pdf.pages) <= math.ceil(ALTERNATIVES / 4) + 1
    for page in pdf.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == tuple(round(side) for side in A4_LANDSCAPE)
        assert max(_text_starts(page)) < width - 40  # a table wider than the page pushes its last columns off it
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in pdf.pages))
    for n in range(ALTERNATIVES):  # a clipped column would lose its title or its own last specification
        assert f"LC-{n}00" in text and f"特有值{n}" in text


def test_the_signature_shares_its_page_with_the_comparison(pdf):
    last = pdf.pages[-1].extract_text()
    assert "签字" in last and "认证" in last
