"""Each shortcut taken for speed answers what the plain way answers.

The parse stages take shortcuts (a line pattern found by its line breaks, the last
year of a sentence looked for from its end, quotes looked up by bisect, counts by
removal, region weights counted only when needed, charset-normalizer asked only
when two readings compete). Each is checked here against the plain computation it
replaces, on the seed and development reports and on texts made to hit its edges.
"""

from __future__ import annotations

import random
import re
from functools import cache

import pytest

from duizhang import decode, regions
from duizhang.chrome import TITLE_RE, line_rules
from duizhang.clean import PROSE_RE
from duizhang.decode import bytes_to_str, cjk_share, raw_to_text
from duizhang.model import merged_spans as _merged
from duizhang.patterns import LinePattern
from duizhang.quantities import _YEAR_IN, _in_quotes, _last_year, _quote_marks, _vocab
from duizhang.read import path_to_raw
from duizhang.structure import HEADING_RE, PARAGRAPH_RE, STANDALONE_RE

from .conftest import DEV, SEEDS


@cache
def _texts() -> tuple[str, ...]:
    paths = sorted(SEEDS.iterdir()) + (sorted(DEV.iterdir()) if DEV.is_dir() else [])
    paths = [p for p in paths if p.suffix in (".txt", ".html", ".docx")]
    return tuple(raw_to_text(path_to_raw(p)).text for p in paths)


#: Texts made to hit the edges of a line scan: a first line that matches, blank and
#: padded lines, CRLF, a match on the last line without a break after it.
EDGE_TEXTS = [
    "网站地图 | 关于我们\n正文第一段。\n\n  网站地图\n",
    "\n网站地图\n\r\n\u3000\u3000首页 > 新闻\r\n版权所有",
    "一、2023年工作回顾\n（一）抓创新。\n1.天开园：科创园区。\n二、2024年工作安排",
    "某区政府工作报告\n各位代表：\n现在，我代表区人民政府向大会报告工作，请予审议。\n网站地图",
    "",
    "\n\n\n",
    "本报记者 张三 摄\n省长作政府工作报告。 新华社供图 \r\n",
]


def _line_patterns() -> list[tuple[str, LinePattern]]:
    rules = line_rules()
    return [("header", rules.header), ("footer", rules.footer), ("inline", rules.inline), ("prose", PROSE_RE),
            ("title", TITLE_RE), ("heading", HEADING_RE), ("standalone", STANDALONE_RE),
            ("paragraph", PARAGRAPH_RE)]


def _spans(it) -> list[tuple[int, int, str | None]]:  # type: ignore[no-untyped-def]
    return [(m.start(), m.end(), m.lastgroup) for m in it]


@pytest.mark.parametrize("name,pattern", _line_patterns(), ids=[n for n, _ in _line_patterns()])
def test_line_pattern_finds_what_re_finds(name: str, pattern: LinePattern) -> None:
    rng = random.Random(name)
    for text in list(_texts()) + EDGE_TEXTS:
        bounds = [(0, None)]
        for _ in range(4):  # windows starting and ending mid-line, at line starts and at the ends
            a = rng.randrange(len(text) + 1)
            b = rng.randrange(a, len(text) + 1)
            nl = text.find("\n", a)
            bounds += [(a, b), (nl + 1 if nl >= 0 else a, None), (a, a)]
        for pos, endpos in bounds:
            end = len(text) if endpos is None else endpos
            assert _spans(pattern.finditer(text, pos, endpos)) == _spans(pattern.regex.finditer(text, pos, end))
            want = pattern.regex.search(text, pos, end)
            got = pattern.search(text, pos, endpos)
            assert (got and got.span()) == (want and want.span())


def _plain_rules(where: str) -> re.Pattern[str]:
    """A rule group as one plain pattern: the padding, then every rule, backtracking."""
    from duizhang.chrome import LINE_LEAD
    from duizhang.vocab import load_toml

    parts = [f"(?P<r{i}>" + "|".join(f"(?:{p})" for p in rule["patterns"]) + ")"
             for i, rule in enumerate(load_toml("boilerplate.toml")["rule"]) if rule["where"] == where]
    return re.compile(LINE_LEAD + "(?:" + "|".join(parts) + r")[^\n]*")


#: Lines of padding and chrome whose rule only matches from inside the padding, or
#: from after it: spacer lines, indented and bulleted chrome, byte-order marks.
PADDED_LINES = ("&nbsp;&nbsp;\n<U+00A0>&nbsp; \r\n\u3000\u3000网站地图\n• 首页 > 新闻\n\ufeff版权所有\n"
                "\u3000（责任编辑：王五）\n  　ICP备12345号\n\u3000 12万\n · 3天前\n\u3000\u3000本报记者 张三 摄\n"
                "&nbsp;\u3000\n\t2024-01-02 10:30\n&nbsp;x\n")


@pytest.mark.parametrize("where", ["header", "footer", "inline"])
def test_line_rules_match_what_the_plain_backtracking_pattern_matches(where: str) -> None:
    """Tried once after the padding, and inside it only where a rule could match only
    there: the same lines and the same reasons as padding given back a character at a time."""
    rules = line_rules()
    ours, plain = getattr(rules, where), _plain_rules(where)
    for text in [*_texts(), *EDGE_TEXTS, PADDED_LINES]:
        got = [(m.start(), m.end(), rules.reasons[m.lastgroup]) for m in ours.finditer(text)]  # type: ignore[index]
        want = [(m.start(), m.end(), rules.reasons[m.lastgroup]) for m in plain.finditer(text)]  # type: ignore[index]
        assert got == want


def test_line_pattern_refuses_a_pattern_not_anchored_at_lines() -> None:
    with pytest.raises(ValueError, match="not a line pattern"):
        LinePattern(r"网站地图")


def test_caption_rule_matches_the_two_rules_it_joins() -> None:
    """The caption rule's shared filter (the line ends in 摄, 图 or a space) changes no match."""
    old = [r"(?=[^\n]*摄[ \t\u3000\r]*$)[^\n]{0,160}(记者|摄影|通讯员)[^\n]{0,30}摄[ \t\u3000\r]*$",
           r"(?=[^\n]*摄[ \t\u3000\r]*$|[^\n]*供图[ \t\u3000\r]*$)[^\n]{0,160}[ \t\u3000](摄|供图)[ \t\u3000\r]*$"]
    plain = re.compile("(?m)^(?:" + "|".join(f"(?:{p})" for p in old) + ")")
    reasons = line_rules().reasons
    ours = line_rules().inline
    lines = ["本报记者 张三 摄", "本报记者 张三 摄 \r", "新华社 供图", "记者王五摄\u3000", "省长作报告。记者 李四 摄影",
             "摄", " 摄", "供图", "图", "x" * 170 + "记者 甲 摄", "记者" + "x" * 40 + "摄", "记者 甲 摄\r\r"]
    for line in lines:
        want = plain.match(line)
        got = ours.match(line)
        assert (got is not None and reasons[got.lastgroup or ""] == "caption") == (want is not None), line


def _last_year_plain(s: str) -> re.Match[str] | None:
    found = list(_YEAR_IN.finditer(s))
    return found[-1] if found else None


def test_last_year_is_the_last_of_all_years() -> None:
    rng = random.Random(5)
    pieces = ["2023年", "２０２３年", "1999年", "年", "比", "上年", "2021", "0", "底", "的", "至", "年度", "，", "3"]
    samples = ["".join(rng.choice(pieces) for _ in range(rng.randrange(12))) for _ in range(3000)]
    for text in _texts()[:10]:
        samples += [text[i : i + 200] for i in range(0, min(len(text), 40000), 97)]
    for s in samples:
        got, want = _last_year(s), _last_year_plain(s)
        assert (got and got.span()) == (want and want.span()), s


def test_quotes_by_bisect_answer_as_the_scan() -> None:
    pattern = _vocab().pattern
    for text in list(_texts()) + ["他说“新增就业1万人”。", "「三个10%」和\"两个5\"", "“长长长长长长长长长长长长长长长长长长1个”",
                                   "“3255”工程，“两个1”和“十四五”时期增长5%", "「1」」“2”“", '"1" "2 "3']:
        marks = _quote_marks(text, 0, len(text))
        for m in pattern.finditer(text):
            for pos in (m.start(), m.end()):
                line_start = text.rfind("\n", 0, pos) + 1
                assert _in_quotes(text, pos, line_start, marks) == _in_quotes(text, pos, line_start), text[line_start:pos]


def test_merged_spans() -> None:
    assert _merged([]) == []
    assert _merged([(3, 5), (0, 10), (12, 13)]) == [(0, 10), (12, 13)]


def _cjk_share_plain(text: str) -> float:
    sample = text[: decode.CJK_SAMPLE]
    nonspace = sum(1 for c in sample if not c.isspace())
    return sum(1 for c in sample if "\u4e00" <= c <= "\u9fff") / nonspace if nonspace else 0.0


@pytest.mark.parametrize("text", ["", "   \n", "增长4%", "abc 增长\u3000\t5%。", "\u9fff\u4e00\u4dff\ua000"])
def test_cjk_share_by_removal(text: str) -> None:
    assert cjk_share(text) == _cjk_share_plain(text)


def test_cjk_share_of_reports() -> None:
    for text in _texts():
        assert cjk_share(text) == _cjk_share_plain(text)


def test_region_weights_counted_only_for_an_ambiguous_name() -> None:
    calls: list[int] = []

    def weights() -> dict[str, int]:
        calls.append(1)
        return {"12": 3}

    assert regions.resolve(["天津市", "河北区"], weights).code == "120105"
    assert calls == []  # unambiguous: nothing counted
    assert regions.resolve(["和平区"], weights).code == regions.resolve(["和平区"], {"12": 3}).code == "120101"
    assert calls == [1]
    assert regions.resolve(["和平区"], lambda: {}) is None


def test_charset_normalizer_asked_only_when_two_readings_look_chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    real = decode._normalizer_guess

    def spy(data: bytes, name: str, strict: bool = True):  # type: ignore[no-untyped-def]
        asked.append(name)
        return real(data, name, strict)

    monkeypatch.setattr(decode, "_normalizer_guess", spy)
    text = "各位代表：现在我代表市人民政府向大会报告工作，全年地区生产总值增长百分之五。" * 20
    assert bytes_to_str(text.encode("gb18030"), "gb.txt") == (text, "gb18030")
    assert asked == []
    trad = "各位代表：現在我代表市人民政府向大會報告工作，全年地區生產總值增長百分之五。" * 20
    assert bytes_to_str(trad.encode("big5"), "big5.txt") == (trad, "big5")  # both readings look Chinese: it is asked, and it says big5
    assert asked == ["big5.txt"]


def test_reports_read_alike_with_and_without_the_region_shortcut(monkeypatch: pytest.MonkeyPatch) -> None:
    """Meta of every report is what counting the region weights first gives."""
    from duizhang.pipeline import raw_to_report

    paths = [p for p in sorted(SEEDS.iterdir()) if p.suffix in (".txt", ".html")]
    fast = [raw_to_report(path_to_raw(p)).meta for p in paths]
    real = regions.resolve

    def eager(names, context=None, year=None):  # type: ignore[no-untyped-def]
        return real(names, context() if callable(context) else context, year)

    monkeypatch.setattr(regions, "resolve", eager)
    assert [raw_to_report(path_to_raw(p)).meta for p in paths] == fast


def test_indexed_sentences_are_the_sentences_marked_one_by_one() -> None:
    """packing._sentences marks the body once and walks the chrome spans with a
    pointer: each sentence outside chrome, its section and its index body as the
    plain computation gives them."""
    from duizhang.fulltext import index_body
    from duizhang.model import section_at
    from duizhang.pipeline import raw_to_report
    from duizhang.store.packing import SENTENCE_RE, _sentences

    paths = sorted(SEEDS.iterdir()) + (sorted(DEV.iterdir()) if DEV.is_dir() else [])
    for p in [p for p in paths if p.suffix in (".txt", ".html", ".docx")]:
        r = raw_to_report(path_to_raw(p), check=False)
        plain = []
        for m in SENTENCE_RE.finditer(r.text, r.cleaned.body_start, r.cleaned.body_end):
            sent = m.group().strip()
            if len(sent) < 2 or any(s.start <= m.start() < s.end for s in r.cleaned.boilerplate):
                continue
            a = m.start() + m.group().find(sent)
            plain.append((a, a + len(sent), section_at(r.sections, a), index_body(sent)))
        assert _sentences(r) == plain, p.name
