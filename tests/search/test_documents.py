"""The search document's derived values."""
import pytest

from search.documents import SearchDocument, matches_prefix


def test_the_embedding_text_is_the_title_and_the_start_of_the_body():
    document = SearchDocument(doc_id="1", version=1, kind="instrument", ref="r", title="高效液相色谱仪",
                              body="长" * 1000)
    text = document.embedding_text()
    assert text.startswith("高效液相色谱仪. ") and len(text) < 400


def test_province_and_top_category_are_the_first_path_segments():
    document = SearchDocument(doc_id="1", version=1, kind="instrument", ref="r", title="t", body="",
                              region="湖北省/武汉市", category="分析仪器/色谱仪器")
    assert (document.province, document.top_category) == ("湖北省", "分析仪器")


@pytest.mark.parametrize("path, prefix, expected", [
    ("湖北省/武汉市", "湖北省", True),
    ("湖北省/武汉市", "湖北省/", True),
    ("湖北省/武汉市", "湖北省/武汉市", True),
    ("湖北省/武汉市", "湖北", False),
    ("湖北省/武汉市", "湖北省/宜昌市", False),
    (None, "湖北省", False),
])
def test_path_prefixes_match_whole_segments(path, prefix, expected):
    assert matches_prefix(path, prefix) is expected
