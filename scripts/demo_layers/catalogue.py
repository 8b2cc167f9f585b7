"""Catalogue conventions shared by the layer modules: palette, common attributes, YSDM, styles.

Colours: 《市级国土空间总体规划制图规范（试行）》 附录B where it has them (耕地, 林地,
草地, 农村宅基地, 工业, 采矿, 交通, 公用设施, 水域, 教育, 医疗卫生) and the usual control-line
conventions (永久基本农田 gold, 城镇开发边界 red/purple dashed without fill, 生态保护红线
green); the other colours are chosen to be legible.

YSDM (要素代码): 1000600100 is the 行政区 code of the 三调 database standard; the plan layers use
illustrative codes "21" + chapter + section + serial + "00" (to be replaced by the codes of the
数据库规范 when real planning data is loaded).
"""

GENGDI, LINDI, CAODI = "#f5f8dc", "#68b167", "#cdf57a"
ZHAIJIDI, GONGYE, CAIKUANG = "#ffd380", "#bb9674", "#9e6c54"
JIAOTONG, GONGYONG, SHUIYU = "#b7b7b7", "#006380", "#338ec0"
JIAOYU, YILIAO = "#ff85c9", "#ff7f7e"
RED, PURPLE, ORANGE, GOLD = "#d7191c", "#8e44ad", "#f28f1c", "#c9a227"

XZQ_YSDM = "1000600100"
MJ = ("MJ", "面积（平方米）", "number")
MJGQ = ("MJGQ", "面积（公顷）", "number")
MC = ("MC", "名称", "string")
BZ = ("BZ", "备注", "string", False)
SJC = ("SJC", "涉及村（社区）", "string")


def ysdm(section: str, serial: int = 1) -> str:
    chapter, number = section.split(".")
    return f"21{int(chapter):02d}{int(number):02d}{serial:02d}00"


def fill(color: str, fill_color: str, opacity=0.45, weight=1.0, **extra) -> dict:
    """Leaflet path options of a filled polygon."""
    return {
        "color": color,
        "weight": weight,
        "fillColor": fill_color,
        "fillOpacity": opacity,
        **extra,
    }


def dot(color: str, fill_color: str, radius=6, weight=1.5) -> dict:
    """Leaflet circle-marker options of a point."""
    return {
        "color": color,
        "weight": weight,
        "fillColor": fill_color,
        "fillOpacity": 1.0,
        "radius": radius,
    }
