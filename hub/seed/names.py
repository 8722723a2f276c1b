"""Chinese personal and company names with Fujian-like frequencies.

Sampling takes ``random.Random.random`` (a float in [0, 1)) so that one seeded generator
drives everything. Weighted choices use precomputed urns: a list in which each item
appears in proportion to its weight, so a draw is one multiplication and one index.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final, TypeVar

__all__ = [
    "COMPOUND_SURNAMES",
    "INDUSTRIES",
    "SURNAMES",
    "company_frame",
    "company_name",
    "individual_business_frame",
    "individual_business_name",
    "nth_trade_name",
    "person_name",
    "surname_of",
    "trade_name",
    "urn",
]

T = TypeVar("T")
Random01 = Callable[[], float]

# Approximate shares (per mille) among Fujian residents: 陈, 林 and 黄 lead, then the
# national leaders; southern Min surnames (洪 庄 游 詹 翁 柯 施 傅 赖 官) are common here.
SURNAMES: Final[tuple[tuple[str, float], ...]] = (
    ("陈", 115),
    ("林", 86),
    ("黄", 59),
    ("张", 44),
    ("李", 38),
    ("王", 38),
    ("吴", 36),
    ("郑", 32),
    ("刘", 24),
    ("杨", 20),
    ("许", 16),
    ("蔡", 15),
    ("谢", 13),
    ("周", 12),
    ("叶", 12),
    ("曾", 12),
    ("苏", 11),
    ("洪", 10),
    ("庄", 10),
    ("邱", 9),
    ("郭", 9),
    ("江", 8),
    ("罗", 8),
    ("徐", 8),
    ("游", 7),
    ("卢", 7),
    ("赖", 7),
    ("何", 7),
    ("朱", 7),
    ("詹", 6),
    ("余", 6),
    ("方", 6),
    ("魏", 5),
    ("钟", 5),
    ("傅", 5),
    ("高", 5),
    ("施", 5),
    ("廖", 5),
    ("范", 4),
    ("温", 4),
    ("翁", 4),
    ("柯", 4),
    ("肖", 4),
    ("赵", 4),
    ("胡", 4),
    ("戴", 3),
    ("康", 3),
    ("颜", 3),
    ("丁", 3),
    ("潘", 3),
    ("孙", 3),
    ("马", 3),
    ("梁", 3),
    ("邓", 3),
    ("彭", 3),
    ("连", 3),
    ("官", 2),
    ("阮", 2),
    ("宋", 2),
    ("唐", 2),
    ("韩", 2),
    ("冯", 2),
    ("曹", 2),
    ("田", 2),
    ("董", 2),
    ("袁", 2),
    ("蒋", 2),
    ("杜", 2),
    ("程", 2),
    ("吕", 2),
    ("沈", 2),
    ("姚", 2),
    ("汪", 2),
    ("石", 2),
    ("邹", 2),
    ("雷", 2),
    ("于", 1),
    ("任", 1),
    ("姜", 1),
    ("谭", 1),
    ("陆", 1),
    ("金", 1),
    ("夏", 1),
    ("付", 1),
    ("熊", 1),
    ("薛", 1),
    ("黎", 1),
    ("毛", 1),
    ("龚", 1),
    ("邵", 1),
    ("严", 1),
    ("汤", 1),
    ("饶", 1),
    ("池", 1),
    ("崔", 0.5),
    ("贾", 0.5),
    ("韦", 0.5),
    ("白", 0.5),
    ("孟", 0.5),
    ("秦", 0.5),
    ("尹", 0.5),
    ("段", 0.5),
    ("侯", 0.5),
    ("龙", 0.5),
    ("史", 0.5),
    ("陶", 0.5),
    ("贺", 0.5),
    ("顾", 0.5),
    ("万", 0.5),
    ("钱", 0.5),
    ("莫", 0.5),
    ("孔", 0.5),
    ("欧阳", 0.5),
    ("闫", 0.3),
    ("郝", 0.3),
    ("武", 0.3),
    ("向", 0.3),
    ("覃", 0.2),
    ("上官", 0.1),
    ("司马", 0.05),
)
COMPOUND_SURNAMES: Final[frozenset[str]] = frozenset(s for s, _ in SURNAMES if len(s) > 1)

# Single-character given names, the main source of same-name collisions (陈伟, 林芳).
_MALE_SINGLE: Final = (
    ("伟", 8),
    ("强", 5),
    ("磊", 4),
    ("军", 4),
    ("勇", 4),
    ("杰", 4),
    ("斌", 4),
    ("涛", 3),
    ("明", 3),
    ("超", 3),
    ("辉", 3),
    ("华", 3),
    ("平", 3),
    ("刚", 3),
    ("健", 2),
    ("峰", 2),
    ("鹏", 2),
    ("飞", 2),
    ("鑫", 2),
    ("波", 2),
    ("彬", 2),
    ("锋", 2),
    ("龙", 2),
    ("亮", 2),
    ("毅", 2),
    ("荣", 2),
    ("东", 2),
    ("坤", 1),
    ("宏", 1),
    ("榕", 1),
    ("雄", 1),
    ("海", 1),
    ("鸿", 1),
    ("文", 1),
)
_FEMALE_SINGLE: Final = (
    ("芳", 8),
    ("敏", 5),
    ("静", 5),
    ("丽", 5),
    ("燕", 4),
    ("艳", 4),
    ("娟", 4),
    ("霞", 4),
    ("玲", 4),
    ("婷", 3),
    ("红", 3),
    ("梅", 3),
    ("琳", 3),
    ("萍", 3),
    ("丹", 3),
    ("娜", 3),
    ("英", 2),
    ("雪", 2),
    ("慧", 2),
    ("琴", 2),
    ("洁", 2),
    ("莉", 2),
    ("颖", 2),
    ("倩", 2),
    ("晶", 2),
    ("兰", 2),
    ("蓉", 1),
    ("秀", 1),
    ("凤", 1),
    ("珍", 1),
    ("瑜", 1),
)
# Two-character given names: first and second characters drawn independently.
_MALE_FIRST: Final = tuple("志建国文明俊家永子晓宇海德金荣伟天振嘉思鸿世清福晨浩少春秋长水锦一泽")
_MALE_SECOND: Final = tuple("强明华伟杰平军峰辉斌龙涛东林宇豪轩鹏伦阳超勇波彬生发成忠兴荣宏源煌坤雄鑫福祥")
_FEMALE_FIRST: Final = tuple("秀美丽晓雅佳思静淑婉玉雪春海丹紫欣梦雨若慧彩月金碧小")
_FEMALE_SECOND: Final = tuple("英兰芳华玲梅琴珍娟燕婷萍霞红敏丽琳怡涵萱雯洁莹凤云娇珠蓉妹娥")
# Whole given names popular in a birth cohort; boosts realistic collisions (张秀英).
_POPULAR: Final[dict[tuple[bool, int], tuple[str, ...]]] = {
    (True, 0): ("建国", "国华", "建华", "志强", "国平", "德明", "金水", "长生", "文华"),
    (True, 1): ("志强", "伟强", "建华", "俊杰", "晓东", "海峰", "志明", "建平", "文斌"),
    (True, 2): ("浩然", "子轩", "宇轩", "俊杰", "梓豪", "浩宇", "子豪", "宇航", "博文"),
    (False, 0): ("秀英", "桂英", "玉兰", "秀珍", "桂兰", "凤英", "秀兰", "玉珍", "美玉"),
    (False, 1): ("丽娟", "秀梅", "丽萍", "晓燕", "美玲", "丽华", "海燕", "雪梅", "丽琴"),
    (False, 2): ("欣怡", "梓涵", "诗涵", "雨涵", "梓萱", "思琪", "佳怡", "语嫣", "子涵"),
}

# Characters for company trade names (字号): auspicious and commercial.
_TRADE_CHARS: Final = tuple(
    "鑫达恒泰盛源兴隆华宏昌远通利丰顺发金鼎瑞祥汇海天嘉信诚德福永安新宇创明辉晟"
    "锦铭聚凯旺富豪佳星光和盈中亿万骏腾龙凤祺裕禾众合协建益正康荣茂晋闽榕鹭港"
)

# (word in the name, industry sector as registered, relative frequency)
INDUSTRIES: Final[tuple[tuple[str, str, int], ...]] = (
    ("贸易", "批发和零售业", 20),
    ("商贸", "批发和零售业", 8),
    ("科技", "科学研究和技术服务业", 10),
    ("网络科技", "信息传输、软件和信息技术服务业", 5),
    ("信息技术", "信息传输、软件和信息技术服务业", 3),
    ("建筑工程", "建筑业", 8),
    ("建设工程", "建筑业", 4),
    ("装饰工程", "建筑业", 4),
    ("房地产开发", "房地产业", 3),
    ("物业管理", "房地产业", 3),
    ("建材", "批发和零售业", 4),
    ("机械", "制造业", 3),
    ("电子", "制造业", 3),
    ("食品", "制造业", 4),
    ("服装", "制造业", 4),
    ("鞋业", "制造业", 3),
    ("纺织", "制造业", 3),
    ("茶业", "农、林、牧、渔业", 2),
    ("水产", "农、林、牧、渔业", 2),
    ("石材", "制造业", 2),
    ("陶瓷", "制造业", 2),
    ("物流", "交通运输、仓储和邮政业", 5),
    ("餐饮管理", "住宿和餐饮业", 3),
    ("酒店管理", "住宿和餐饮业", 1),
    ("投资", "租赁和商务服务业", 4),
    ("投资管理", "租赁和商务服务业", 2),
    ("文化传媒", "文化、体育和娱乐业", 3),
    ("广告", "租赁和商务服务业", 2),
    ("汽车销售服务", "批发和零售业", 2),
    ("劳务", "租赁和商务服务业", 2),
    ("环保科技", "水利、环境和公共设施管理业", 1),
    ("生物科技", "科学研究和技术服务业", 1),
    ("医疗器械", "批发和零售业", 1),
    ("教育咨询", "教育", 1),
)
# Counties whose signature trades appear far more often than the provincial average.
REGIONAL_INDUSTRIES: Final[dict[str, tuple[str, ...]]] = {
    "350582": ("鞋业", "服装", "纺织"),  # 晋江
    "350581": ("服装", "纺织"),  # 石狮
    "350524": ("茶业",),  # 安溪
    "350526": ("陶瓷",),  # 德化
    "350583": ("石材",),  # 南安
    "350982": ("茶业",),  # 福鼎
    "350322": ("工艺品",),  # 仙游
    "350128": ("水产",),  # 平潭
}
_INDUSTRY_SECTOR: Final[dict[str, str]] = {w: s for w, s, _ in INDUSTRIES} | {
    "工艺品": "制造业",
}

_SHOP_KINDS: Final = (
    ("便利店", 5),
    ("小吃店", 5),
    ("商行", 6),
    ("五金店", 2),
    ("服装店", 3),
    ("汽车维修店", 2),
    ("茶叶店", 2),
    ("水果店", 2),
    ("理发店", 2),
    ("建材店", 2),
    ("餐馆", 4),
    ("百货店", 3),
    ("手机店", 1),
    ("海鲜排档", 1),
    ("食杂店", 3),
)


def urn(items: Sequence[tuple[T, float]], resolution: float = 1.0) -> tuple[T, ...]:
    """Each item repeated ``round(weight / resolution)`` times (at least once)."""
    out: list[T] = []
    for item, weight in items:
        out.extend([item] * max(1, round(weight / resolution)))
    return tuple(out)


_FORM_SUFFIX: Final = {
    "limited": "有限公司",
    "joint_stock": "股份有限公司",
    "sole": "经营部",
    "partnership": "合伙企业（有限合伙）",
}
_SURNAME_URN: Final = urn(SURNAMES, 0.05)
_SINGLE_URN: Final = {True: urn(_MALE_SINGLE), False: urn(_FEMALE_SINGLE)}
_FIRST: Final = {True: _MALE_FIRST, False: _FEMALE_FIRST}
_SECOND: Final = {True: _MALE_SECOND, False: _FEMALE_SECOND}
_INDUSTRY_URN: Final = urn([((w, s), float(f)) for w, s, f in INDUSTRIES])
_SHOP_URN: Final = urn(_SHOP_KINDS)


def surname_of(name: str) -> str:
    """The surname of a generated personal name (compound surnames included)."""
    return name[:2] if name[:2] in COMPOUND_SURNAMES else name[:1]


def person_name(rnd: Random01, male: bool, birth_year: int) -> str:
    """A personal name: surname plus a one- or two-character given name.

    One-character given names are common among older people (30% of those born before
    1965, 12% of those born since 1990); each birth cohort also repeats its own popular
    given names (秀英, 建华, 子轩).
    """
    surnames = _SURNAME_URN
    surname = surnames[int(rnd() * len(surnames))]
    cohort = 0 if birth_year < 1965 else (1 if birth_year < 1990 else 2)
    r = rnd()
    single_share = (0.30, 0.27, 0.12)[cohort]
    if r < single_share:
        pool = _SINGLE_URN[male]
        return surname + pool[int(rnd() * len(pool))]
    if r < single_share + 0.12:
        popular = _POPULAR[(male, cohort)]
        return surname + popular[int(rnd() * len(popular))]
    first = _FIRST[male]
    second = _SECOND[male]
    return surname + first[int(rnd() * len(first))] + second[int(rnd() * len(second))]


def trade_name(rnd: Random01) -> str:
    """A two-character trade name (字号) such as 鑫达; the characters differ."""
    chars = _TRADE_CHARS
    n = len(chars)
    a = int(rnd() * n)
    b = int(rnd() * (n - 1))
    return chars[a] + chars[b + (b >= a)]


def company_name(rnd: Random01, place: str, county: str, form: str = "limited") -> tuple[str, str]:
    """A company name and its industry sector, e.g. ("福州鑫达贸易有限公司", "批发和零售业").

    ``place`` is the administrative prefix as written in the name (福州, 晋江, 福建);
    ``county`` is the county code of the registered address, which skews the industry
    towards the county's signature trades. ``form`` is one of ``limited``,
    ``joint_stock``, ``sole`` (个人独资企业) or ``partnership``.
    """
    word, suffix, sector = company_frame(rnd, county, form)
    return place + trade_name(rnd) + word + suffix, sector


def company_frame(rnd: Random01, county: str, form: str = "limited") -> tuple[str, str, str]:
    """What follows the trade name in a company name: (industry word, legal form suffix,
    sector), e.g. ("贸易", "有限公司", "批发和零售业"); see ``company_name``."""
    regional = REGIONAL_INDUSTRIES.get(county)
    if regional is not None and rnd() < 0.35:
        word = regional[int(rnd() * len(regional))]
        sector = _INDUSTRY_SECTOR[word]
    else:
        pool = _INDUSTRY_URN
        word, sector = pool[int(rnd() * len(pool))]
    return word, _FORM_SUFFIX[form], sector


def individual_business_name(rnd: Random01, county_full: str) -> tuple[str, str]:
    """An individual business (个体工商户) name and sector, e.g. "福州市鼓楼区鑫达便利店"."""
    kind, sector = individual_business_frame(rnd)
    return county_full + trade_name(rnd) + kind, sector


def individual_business_frame(rnd: Random01) -> tuple[str, str]:
    """The kind of shop that follows the trade name of an individual business, and its
    sector: ("便利店", "批发和零售业")."""
    pool = _SHOP_URN
    kind = pool[int(rnd() * len(pool))]
    sector = "住宿和餐饮业" if kind in ("小吃店", "餐馆", "海鲜排档") else "批发和零售业"
    if kind in ("汽车维修店", "理发店"):
        sector = "居民服务、修理和其他服务业"
    return kind, sector


# Trade names of each length: the first character is any, each next one differs from
# the one before it (鑫达, 鑫达盛).
_TRADE_LEVELS: Final = tuple(len(_TRADE_CHARS) * (len(_TRADE_CHARS) - 1) ** (k - 1) for k in range(2, 8))
# Coprime with every level's size (sizes factor into 2, 3, 5 and 89), so n -> n * m + salt
# is a bijection at each level.
_TRADE_STEP: Final = 4093


def nth_trade_name(n: int, salt: int = 0) -> str:
    """The ``n``-th trade name of a sequence in which no name repeats: the two-character
    names first (in an order shuffled by ``salt``), then the three-character ones, and so on.
    Gives a set of names unique by construction from a counter, with nothing remembered."""
    chars = _TRADE_CHARS
    n_chars = len(chars)
    length = 2
    for size in _TRADE_LEVELS:
        if n < size:
            break
        n -= size
        length += 1
    else:
        raise ValueError("trade name index out of range")
    k = (n * _TRADE_STEP + salt) % size
    digits: list[int] = []
    for _ in range(length - 1):
        k, d = divmod(k, n_chars - 1)
        digits.append(d)
    prev = k  # 0 <= k < n_chars: the first character
    out = [chars[prev]]
    for d in reversed(digits):
        prev = d + (d >= prev)
        out.append(chars[prev])
    return "".join(out)
