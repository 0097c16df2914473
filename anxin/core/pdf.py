"""PDF basics shared by the printed forms (派工单, 投诉处理跟踪记录单): a Chinese font that extracts as text.

WenQuanYi Micro Hei / Noto CJK when installed (embedded subset), else reportlab's built-in CID font
STSong-Light, which every PDF reader has."""

from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

FONT_FILES = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
]


@cache
def chinese_font() -> str:
    for path in FONT_FILES:
        if Path(path).exists():
            try:
                pdfmetrics.registerFont(TTFont("AnxinCJK", path, subfontIndex=0))
                return "AnxinCJK"
            except Exception:  # a broken font file: try the next one
                continue
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"
