"""The 2023 land and sea use classification (用地用海分类), read from
fixtures/landuse/ydyhfl-2023.json (《国土空间调查、规划、用途管制用地用海分类指南》, 自然资源部,
2023年11月). Codes are strings with their leading zeros: "01" 耕地, "0103" 旱地,
"080403" 中小学用地.
"""

import json
import math
from functools import cache
from pathlib import Path

from django.conf import settings

CODE_LIST = Path(settings.BASE_DIR) / "fixtures" / "landuse" / "ydyhfl-2023.json"
# Fields that hold such codes: the plan's own (用地用海分类代码) and the survey's (地类编码).
LANDUSE_CODE_FIELDS = ("YDYHFLDM", "DLBM")


@cache
def landuse_codes() -> dict[str, str]:
    """Code -> name, every level."""
    return json.loads(CODE_LIST.read_text(encoding="utf-8"))["codes"]


def is_landuse_code(code: str) -> bool:
    return code in landuse_codes()


def landuse_name(code: str) -> str | None:
    return landuse_codes().get(code)


def code_text(value) -> str | None:
    """A code as text. Numbers (a DBF numeric field, a spreadsheet's export) lost their leading
    zero, and codes always have an even number of digits: 101 -> "0101", 80403 -> "080403"."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
        return "0" + text if len(text) % 2 else text
    text = str(value).strip()
    return text or None


# Fill colours of the land-use classes for maps, by code prefix (the longest prefix given
# wins): 《市级国土空间总体规划制图规范（试行）》 附录B where docs/domain.md quotes it, the
# remaining first-level classes in the same spirit.
PALETTE = {
    "01": "#f5f8dc",  # 耕地 245,248,220
    "02": "#bfe9aa",  # 园地
    "03": "#68b167",  # 林地 104,177,103
    "04": "#cdf57a",  # 草地 205,245,122
    "05": "#65cdaa",  # 湿地
    "06": "#d7c8a0",  # 农业设施建设用地
    "07": "#ffff2d",  # 居住用地
    "0703": "#ffd380",  # 农村宅基地 255,211,128
    "08": "#ff7f7e",  # 公共管理与公共服务用地
    "0804": "#ff85c9",  # 教育用地 255,133,201
    "0806": "#ff7f7e",  # 医疗卫生用地 255,127,126
    "09": "#ff0000",  # 商业服务业用地
    "10": "#bb9674",  # 工矿用地 187,150,116
    "1002": "#9e6c54",  # 采矿用地 158,108,84
    "11": "#8761d3",  # 仓储用地
    "12": "#b7b7b7",  # 交通运输用地 183,183,183
    "13": "#006380",  # 公用设施用地 0,99,128
    "14": "#00ff00",  # 绿地与开敞空间用地
    "15": "#85914d",  # 特殊用地
    "16": "#ffffff",  # 留白用地
    "17": "#338ec0",  # 陆地水域 51,142,192
    "18": "#a5d5f0",
    "19": "#a5d5f0",
    "20": "#a5d5f0",
    "21": "#a5d5f0",
    "22": "#a5d5f0",
    "23": "#c8c8c8",  # 其他土地
    "24": "#a5d5f0",
}


@cache
def landuse_palette() -> dict[str, str]:
    """Every known code -> its fill colour (the colour of its longest listed prefix)."""
    colours = {}
    for code in landuse_codes():
        for length in range(len(code), 1, -2):
            if code[:length] in PALETTE:
                colours[code] = PALETTE[code[:length]]
                break
    return colours
