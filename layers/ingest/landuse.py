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
