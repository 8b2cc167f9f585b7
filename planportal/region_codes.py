"""The arithmetic of a 12-digit region code (统计用区划代码), on its own so that models, roles
and the region hierarchy share one version: a code has 2 (省), 4 (市), 6 (县), 9 (乡镇) or 12
(村) significant digits, the rest zeros, so 141181000000 is the county 141181 and 141181101000
the town 141181101."""

SIGNIFICANT_DIGITS = (2, 4, 6, 9, 12)


def significant_digits(code: str) -> int:
    """How many leading digits name the region: the fewest after which only zeros follow."""
    for length in SIGNIFICANT_DIGITS:
        if code[length:].strip("0") == "":
            return length
    return SIGNIFICANT_DIGITS[-1]


def region_prefix(code: str) -> str:
    """The significant digits of a region code: what every code inside the region starts with."""
    return code[: significant_digits(code)]


def enclosing_regions(code: str) -> list[str]:
    """The codes of the region ``code`` and of every region it lies in, each as 12 digits."""
    return list(dict.fromkeys(code[:n].ljust(12, "0") for n in SIGNIFICANT_DIGITS))


def parent_code(code: str) -> str | None:
    """The code of the region above, or None for a province."""
    index = SIGNIFICANT_DIGITS.index(significant_digits(code))
    if index == 0:
        return None
    return code[: SIGNIFICANT_DIGITS[index - 1]].ljust(12, "0")
