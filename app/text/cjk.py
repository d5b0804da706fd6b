"""Chinese characters: the one definition of which code points count as Han."""

from __future__ import annotations

import re
import unicodedata

from app.text.numbers import FIGURE_WITH_UNIT

HAN = "\u4e00-\u9fff"
"""The CJK Unified Ideographs block: every character of the reports' Chinese."""
HAN_EXTENDED = "\u3400-\u4dbf" + HAN + "\uf900-\ufaff"
"""HAN plus extension A and the compatibility ideographs (for layout clean-up)."""
CJK_PUNCT = "\u3000-\u303f\uff00-\uffef\u2014\u2026\u201c\u201d\u2018\u2019\u00b7"
"""Full-width punctuation and symbols that sit between Chinese characters."""

HAN_CHAR = re.compile(f"[{HAN}]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def has_han(text: str) -> bool:
    """Whether the text holds at least one Chinese character."""
    return HAN_CHAR.search(text) is not None


def han_count(text: str) -> int:
    return len(HAN_CHAR.findall(text))


def chinese_share(text: str) -> float:
    """Share of a text written in Chinese: 1.0 for Chinese, about 0 for English."""
    cjk = han_count(text)
    latin = len(_LATIN_WORD.findall(text))
    return cjk / (cjk + 2 * latin) if cjk + latin else 0.0


def reads_as_english(text: str) -> bool:
    """Whether a text is an English sentence once its figures are set aside: figures may
    keep the report's Chinese units ("300亿元", "1500余家"), nothing else may be Chinese."""
    words = FIGURE_WITH_UNIT.sub(" ", text)
    return not has_han(words) and len(_LATIN_WORD.findall(words)) >= 2


# PDF printers map a glyph shared by a radical and an ideograph to the radical's code
# point ("⼯作" for "工作", "增⻓" for "增长"). NFKC folds the Kangxi radicals; the CJK
# radicals supplement is folded by Unicode's EquivalentUnifiedIdeograph.txt (its entries
# that NFKC leaves alone, generated from Debian's unicode-data package).
_RADICALS = "⺁⺂⺃⺄⺅⺆⺇⺈⺉⺊⺋⺌⺍⺎⺏⺐⺑⺒⺓⺔⺕⺖⺗⺘⺙⺛⺜⺝⺞⺠⺡⺢⺣⺤⺥⺦⺧⺨⺩⺪⺫⺬⺭⺮⺯⺰⺱⺲⺳⺴⺵⺶⺷⺸⺹⺺⺻⺼⺽⺾⺿⻀⻁⻂⻃⻄⻅⻆⻇⻈⻉⻊⻋⻌⻍⻎⻏⻐⻑⻒⻓⻔⻕⻖⻗⻘⻙⻚⻛⻜⻝⻞⻟⻠⻡⻢⻣⻤⻥⻦⻧⻨⻩⻪⻫⻬⻭⻮⻯⻰⻱⻲㇆㇏㇐㇑㇒㇓㇔㇕㇖㇗㇘㇙㇚㇛㇜㇝㇞㇟㇠㇡"
_IDEOGRAPHS = "厂乛乚乙亻冂𠘨刀刂卜㔾小小兀尣尢𡯂巳幺彑𫜹忄心扌攵旡日月歺民氵氺灬爫爫丬牛犭王𤴔目示礻𥫗糹纟罓罒㓁冗𦉫羊𦍌𦍋耂肀聿肉𦥑艹艹艹虎衤覀西见角𧢲讠贝𧾷车辶辶辶邑钅長镸长门𨸏阝雨青韦页风飞食𩙿飠饣𩠐马骨鬼鱼鸟卤麦黄黾斉齐歯齿竜龙龜亀𠃌乀一丨丿丿丶𠃍乛𠃊𠃎𠄌亅𡿨𠃋乀𠃑乚乙𠄎"
_RADICAL_TABLE = str.maketrans(_RADICALS, _IDEOGRAPHS)
_KANGXI = re.compile("[\u2f00-\u2fdf]")


def fold_radicals(text: str) -> str:
    """Replace radical code points with the ideographs they stand for."""
    text = _KANGXI.sub(lambda m: unicodedata.normalize("NFKC", m.group(0)), text)
    return text.translate(_RADICAL_TABLE)
