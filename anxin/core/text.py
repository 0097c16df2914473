"""Chinese text for the index: one normalisation and one segmentation, used at index time and at query time.

normalise: NFKC (full-width → half-width), traditional → simplified (OpenCC t2s), lower case.
tokens: jieba's search-mode segmentation (rjieba: jieba's dictionary in Rust; long words also yield their
dictionary sub-words, so 漏水 is found in 厨房水管漏水), each token reduced to its word characters, stop words
dropped. The same function on both sides is what makes "空調 漏水" find 空调漏水.
"""

import re
import threading
import unicodedata

# letters and digits only: exactly what one FTS5 unicode61 token is (no "_"), so no word is ever a phrase
WORD = re.compile(r"[^\W_]+")
CJK = re.compile(r"[\u3400-\u9fff]")
STOP = frozenset("的 了 和 与 及 是 在 我 有 就 不 也 都 吗 呢 啊 吧 呀 请 您 你 他 她 我们 你们 一下 这个 那个 还 又 被 "
                 "把 给 很 要 想 说 对 但 而 或 及其 等".split())
# the domain's words (the admin adds more as search terms); jieba's own dictionary does not know all of them
DOMAIN_TERMS = ("水管 漏水 渗水 滴水 跳闸 门禁 空调 热水器 燃气 燃气灶 地漏 堵塞 停电 停水 电梯 困人 水表 电表 抽油烟机 "
                "马桶 龙头 水龙头 角阀 返潮 外墙 防水 防水层 墙面 开关 插座 漏电 暖气 地暖 下水道 化粪池 物业费 "
                "保修 报修 投诉 催办 回访 噪音 异响 不制冷 不制热 不出水 水压 爆管 断电 短路 窗户 玻璃 门锁 "
                "对讲 监控 车库 道闸 草坪 绿化 保洁 垃圾 宽带 网络 信号 机顶盒 安装 维修 上门").split()

TERM_FREQ = 20000  # high enough that a domain word is kept whole
_lock = threading.Lock()
_state: dict = {}


def _converter():
    if "t2s" not in _state:
        import opencc

        _state["t2s"] = opencc.OpenCC("t2s.json")
    return _state["t2s"]


def _segmenter():
    """jieba's dictionary and algorithm, in Rust (rjieba), with the domain words; built on first use (about 0.1 s).

    rjieba segments Chinese exactly as Python's jieba does and about 13× faster (3 µs a description against 38 µs),
    which is what keeps indexing on every create cheap next to the create itself (docs/decisions.md).
    """
    if "segmenter" not in _state:
        with _lock:
            if "segmenter" not in _state:
                import rjieba

                # importing rjieba builds its module-level Jieba (the whole dictionary, about 24 MiB); a second
                # Jieba() would hold a second copy in every worker, so the module's own instance is the one used
                segmenter = getattr(rjieba, "_DEFAULT_JIEBA", None) or rjieba.Jieba()
                for word in DOMAIN_TERMS:
                    segmenter.add_word(word, TERM_FREQ, None)
                _state["terms"] = set(DOMAIN_TERMS)
                _state["segmenter"] = segmenter
    return _state["segmenter"]


def warm() -> None:
    """Build the segmenter and the converter now (the WSGI module does, before gunicorn forks its workers)."""
    _segmenter()
    _converter()


def add_terms(words) -> None:
    """Teach the segmenter more of the desk's words (the admin's search terms)."""
    segmenter = _segmenter()
    with _lock:
        for word in words:
            word = normalise(word).strip()
            if word and word not in _state["terms"]:
                segmenter.add_word(word, TERM_FREQ, None)
                _state["terms"].add(word)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    if CJK.search(text):
        text = _converter().convert(text)
    return text.lower()


def tokens(text: str, *, limit: int | None = None, query: bool = False) -> list[str]:
    """The words of a text as the index knows them, in order, each once.

    An indexed text also yields the dictionary sub-words of its long words (search mode: 热水器 → 热水, 水器, 热水器);
    a query keeps its words whole (precise mode), which the index then holds either way — fewer, sharper terms.
    """
    text = normalise(text)
    seen: dict[str, None] = {}
    segmenter = _segmenter()
    for piece in (segmenter.cut(text) if query else segmenter.cut_for_search(text)):
        for word in WORD.findall(piece):
            if word not in STOP and word not in seen:
                seen[word] = None
                if limit is not None and len(seen) >= limit:
                    return list(seen)
    return list(seen)


# C0 control characters other than tab, LF and CR (and DEL): invisible, never typed on purpose, and harmful — NUL is
# refused by PostgreSQL text columns, \x02 breaks an Excel export (issue 13, finding 2)
CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def without_controls(value):
    """The value with control characters removed from every string in it (lists and dicts walked)."""
    if isinstance(value, str):
        return CONTROLS.sub("", value) if CONTROLS.search(value) else value
    if isinstance(value, list):
        return [without_controls(v) for v in value]
    if isinstance(value, dict):
        return {k: without_controls(v) for k, v in value.items()}
    return value
