"""What the person wants: samples tested, an instrument bought, or a technology licensed.

Each cue word adds its weight to one intent; the heaviest wins, a tie is UNKNOWN. A purchase verb
weighs most (who writes 采购 wants to buy, whatever they will measure with it), except when what is
bought is a testing service (采购检测服务). Words that name an instrument (分析仪, 测试机, "testing
machine") are not test cues. Purchase verbs carry no topical meaning and leave the search text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from marketplace.understanding.segmentation import fold
from marketplace.understanding.values import Intent, Span

_INSTRUMENT_AFTER = r"(?![仪器机]|设备|系统)"
_TESTING = r"(?:检测|测试|分析|化验|检验)"
_EN_INSTRUMENT_AFTER = (r"(?!\s+(?:machines?|chambers?|instruments?|equipment|systems?|rigs?|benches|bench"
                        r"|stands?|kits?))")
_INSTRUMENT_EN = (r"(?:instruments?|systems?|machines?|analy[sz]ers?|equipment|spectrometers?|microscopes?"
                  r"|chromatographs?|units?)")


@dataclass(frozen=True)
class _Cue:
    intent: Intent
    weight: int
    pattern: str
    removable: bool = False


# In order of precedence: a word that an earlier cue took is not read again by a later one.
CUES = (
    # testing
    _Cue(Intent.TEST_SERVICE, 2, rf"(?:采购|购买)(?=\s*{_TESTING})", removable=True),
    _Cue(Intent.TEST_SERVICE, 2, r"送样|送检|委托|代测|外送|测一下|出具报告|出报告|检测服务|测试服务|检测报告"),
    _Cue(Intent.TEST_SERVICE, 1, rf"{_TESTING}{_INSTRUMENT_AFTER}|测定(?!仪)|表征|鉴定(?!仪)|筛查|机时|上机|"
                                 r"[做测](?:一下|个)?(?=\s*[A-Za-z]{2,})"),    # 做XRD, 测 BET: have it run
    _Cue(Intent.TEST_SERVICE, 2, r"\b(?:send(?:ing)? (?:our |the )?samples|sample submission|testing services?|"
                                 r"analytical services?|lab(?:oratory)? services?|outsourc\w*|CRO)\b"),
    _Cue(Intent.TEST_SERVICE, 1, rf"\b(?:test(?:s|ing)?|analy[sz](?:e|es|is|ing)|analyses|assays?|measure(?:ments?)?|"
                                 rf"characteri[sz](?:e|ation)|screening|determination|identification|inspection)\b"
                                 rf"{_EN_INSTRUMENT_AFTER}"),
    # buying an instrument
    _Cue(Intent.BUY_INSTRUMENT, 4, rf"(?:采购|购买|购置|求购|订购|添置|想买|要买|招标)(?!\s*{_TESTING})",
         removable=True),
    _Cue(Intent.BUY_INSTRUMENT, 4, r"\b(?:buy(?:ing)?|purchas(?:e|ing)|procur(?:e|ing|ement)|tender)\b"
                                   r"(?!\s+(?:a\s+|an\s+)?(?:test|testing|analy)\w*\s+services?)", removable=True),
    _Cue(Intent.BUY_INSTRUMENT, 4,
         rf"\bquote for(?=\s+(?:an?\s+|the\s+|\d+\s+)?(?:new\s+)?(?:[\w-]+\s+){{0,3}}?{_INSTRUMENT_EN}\b)",
         removable=True),
    _Cue(Intent.BUY_INSTRUMENT, 2, r"国产替代|国产化替代|替代进口|进口替代|选型|"
                                   r"\bdomestic (?:alternatives?|replacements?|substitutes?)\b"
                                   r"|\breplace (?:an? |the |our )?imported\b"),
    _Cue(Intent.BUY_INSTRUMENT, 1,
         r"替代|国产|一[台套](?=\s*[\u4e00-\u9fffA-Za-z])|(?<=买)[台套]|\bdomestic\b"),   # 一台液相
    # technology and licensing
    _Cue(Intent.TECHNOLOGY, 3,
         r"技术转让|专利转让|专利许可|技术许可|成果转化|合作开发|联合开发|技术合作|产学研|技术入股|技术授权|"
                               r"\b(?:licen[cs](?:e|es|ed|ing)|technology transfer|tech transfer|co-?develop\w*|"
                               r"joint (?:development|R&D)|royalt(?:y|ies)|spin-?offs?)\b"),
    _Cue(Intent.TECHNOLOGY, 2, r"专利|转让|许可|授权|\bpatent(?:s|ed)?\b"),
)
_PATTERNS = tuple(re.compile(cue.pattern, re.IGNORECASE) for cue in CUES)


def intent(text: str, extra: dict[Intent, int] | None = None) -> tuple[Intent, tuple[Span, ...], tuple[Span, ...]]:
    """The intent, the cue spans that made it, and the spans of purchase verbs to leave out of search.

    `extra` adds weight found elsewhere: a sample count says the samples are to be tested.
    """
    folded, taken = fold(text), []
    scores = dict.fromkeys(Intent, 0) | (extra or {})
    cues: dict[Intent, list[Span]] = {i: [] for i in Intent}
    removable = []
    for cue, pattern in zip(CUES, _PATTERNS):
        for match in pattern.finditer(folded):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue     # a word counts once, for its strongest reading (国产替代, not also 国产 and 替代)
            taken.append((match.start(), match.end()))
            span = Span(match.start(), match.end(), text[match.start():match.end()])
            scores[cue.intent] += cue.weight
            cues[cue.intent].append(span)
            if cue.removable:
                removable.append(span)
    best = max(scores.values())
    winners = [i for i, score in scores.items() if score == best]
    if best == 0 or len(winners) > 1:
        return Intent.UNKNOWN, (), tuple(removable)
    return winners[0], tuple(sorted(cues[winners[0]])), tuple(removable)
