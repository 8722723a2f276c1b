"""Administrative division codes (GB/T 2260) used to check identifiers.

``PROVINCES`` covers every provincial-level division; ``FUJIAN`` lists Fujian's
province, prefecture-city and current county-level codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

__all__ = ["FUJIAN", "FUJIAN_COUNTIES", "PROVINCES", "city_code", "region_name"]

PROVINCES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "11": "北京市",
        "12": "天津市",
        "13": "河北省",
        "14": "山西省",
        "15": "内蒙古自治区",
        "21": "辽宁省",
        "22": "吉林省",
        "23": "黑龙江省",
        "31": "上海市",
        "32": "江苏省",
        "33": "浙江省",
        "34": "安徽省",
        "35": "福建省",
        "36": "江西省",
        "37": "山东省",
        "41": "河南省",
        "42": "湖北省",
        "43": "湖南省",
        "44": "广东省",
        "45": "广西壮族自治区",
        "46": "海南省",
        "50": "重庆市",
        "51": "四川省",
        "52": "贵州省",
        "53": "云南省",
        "54": "西藏自治区",
        "61": "陕西省",
        "62": "甘肃省",
        "63": "青海省",
        "64": "宁夏回族自治区",
        "65": "新疆维吾尔自治区",
        "71": "台湾省",
        "81": "香港特别行政区",
        "82": "澳门特别行政区",
    }
)

FUJIAN: Final[Mapping[str, str]] = MappingProxyType(
    {
        "350000": "福建省",
        # 福州市
        "350100": "福州市",
        "350102": "鼓楼区",
        "350103": "台江区",
        "350104": "仓山区",
        "350105": "马尾区",
        "350111": "晋安区",
        "350112": "长乐区",
        "350121": "闽侯县",
        "350122": "连江县",
        "350123": "罗源县",
        "350124": "闽清县",
        "350125": "永泰县",
        "350128": "平潭县",
        "350181": "福清市",
        # 厦门市
        "350200": "厦门市",
        "350203": "思明区",
        "350205": "海沧区",
        "350206": "湖里区",
        "350211": "集美区",
        "350212": "同安区",
        "350213": "翔安区",
        # 莆田市
        "350300": "莆田市",
        "350302": "城厢区",
        "350303": "涵江区",
        "350304": "荔城区",
        "350305": "秀屿区",
        "350322": "仙游县",
        # 三明市
        "350400": "三明市",
        "350404": "三元区",
        "350405": "沙县区",
        "350421": "明溪县",
        "350423": "清流县",
        "350424": "宁化县",
        "350425": "大田县",
        "350426": "尤溪县",
        "350428": "将乐县",
        "350429": "泰宁县",
        "350430": "建宁县",
        "350481": "永安市",
        # 泉州市
        "350500": "泉州市",
        "350502": "鲤城区",
        "350503": "丰泽区",
        "350504": "洛江区",
        "350505": "泉港区",
        "350521": "惠安县",
        "350524": "安溪县",
        "350525": "永春县",
        "350526": "德化县",
        "350527": "金门县",
        "350581": "石狮市",
        "350582": "晋江市",
        "350583": "南安市",
        # 漳州市
        "350600": "漳州市",
        "350602": "芗城区",
        "350603": "龙文区",
        "350604": "龙海区",
        "350605": "长泰区",
        "350622": "云霄县",
        "350623": "漳浦县",
        "350624": "诏安县",
        "350626": "东山县",
        "350627": "南靖县",
        "350628": "平和县",
        "350629": "华安县",
        # 南平市
        "350700": "南平市",
        "350702": "延平区",
        "350703": "建阳区",
        "350721": "顺昌县",
        "350722": "浦城县",
        "350723": "光泽县",
        "350724": "松溪县",
        "350725": "政和县",
        "350781": "邵武市",
        "350782": "武夷山市",
        "350783": "建瓯市",
        # 龙岩市
        "350800": "龙岩市",
        "350802": "新罗区",
        "350803": "永定区",
        "350821": "长汀县",
        "350823": "上杭县",
        "350824": "武平县",
        "350825": "连城县",
        "350881": "漳平市",
        # 宁德市
        "350900": "宁德市",
        "350902": "蕉城区",
        "350921": "霞浦县",
        "350922": "古田县",
        "350923": "屏南县",
        "350924": "寿宁县",
        "350925": "周宁县",
        "350926": "柘荣县",
        "350981": "福安市",
        "350982": "福鼎市",
    }
)

FUJIAN_COUNTIES: Final[tuple[str, ...]] = tuple(sorted(code for code in FUJIAN if not code.endswith("00")))


def city_code(code: str) -> str:
    """The prefecture-level code containing ``code``: its first four digits then ``00``."""
    return code[:4] + "00"


def region_name(code: str) -> str | None:
    """The name of a division code, or ``None`` if its province prefix is unknown.

    Fujian codes get the full name ("福建省福州市鼓楼区"); for other provinces, and for
    Fujian codes not in ``FUJIAN``, the most specific known part is returned.
    """
    province = PROVINCES.get(code[:2])
    if province is None:
        return None
    if code[:2] != "35":
        return province
    parts = [province]
    city = FUJIAN.get(city_code(code)) if len(code) == 6 else None
    if city is not None and city_code(code) != "350000":
        parts.append(city)
        county = FUJIAN.get(code) if code != city_code(code) else None
        if county is not None:
            parts.append(county)
    return "".join(parts)
