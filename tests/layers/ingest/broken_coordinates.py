"""GeoJSON files with coordinates no map can hold, written as text the way broken exports write
them (GDAL reads the bare tokens NaN, Infinity and -Infinity), around the demo plan's centre."""

from pathlib import Path

from tests.layers.ingest.samples import CENTRE_LONLAT

X, Y = CENTRE_LONLAT
D = 0.001  # about 100 m


def ring(x: float, y: float, size: float = D, *, replace: dict[int, str] | None = None) -> str:
    """A closed square ring as GeoJSON text; ``replace`` puts raw text at vertex positions."""
    points = [(x, y), (x + size, y), (x + size, y + size), (x, y + size), (x, y)]
    texts = [f"[{px:.6f},{py:.6f}]" for px, py in points]
    for position, text in (replace or {}).items():
        texts[position] = text
    return "[" + ",".join(texts) + "]"


def feature(number: int, geometry: str) -> str:
    properties = f'{{"BSM":"B{number:03d}","DLBM":"0101"}}'
    return f'{{"type":"Feature","properties":{properties},"geometry":{geometry}}}'


def polygon(*rings: str) -> str:
    return f'{{"type":"Polygon","coordinates":[{",".join(rings)}]}}'


def write(path: Path, features: list[str]) -> Path:
    text = f'{{"type":"FeatureCollection","features":[{",".join(features)}]}}'
    path.write_text(text, encoding="utf-8")
    return path


def broken_polygons(path: Path) -> Path:
    """Ten polygons: 1 and 10 are fine, each of 2-9 has one unusable coordinate."""
    nan_x = f"[NaN,{Y:.6f}]"
    outer = ring(X + 0.01, Y, 0.004)
    hole = ring(X + 0.011, Y + 0.001, 0.001, replace={2: f"[{X + 0.012:.6f},NaN]"})
    second_part = ring(X + 0.02, Y, D, replace={0: nan_x, 4: nan_x})
    first_part = ring(X + 0.018, Y)
    multipolygon = f'{{"type":"MultiPolygon","coordinates":[[{first_part}],[{second_part}]]}}'
    return write(
        path,
        [
            feature(1, polygon(ring(X, Y))),
            feature(2, polygon(ring(X + 0.002, Y, replace={0: nan_x, 4: nan_x}))),
            feature(3, polygon(ring(X + 0.004, Y, replace={2: f"[{X:.6f},NaN]"}))),
            feature(4, polygon(ring(X + 0.006, Y, replace={1: f"[Infinity,{Y:.6f}]"}))),
            feature(5, polygon(outer, hole)),
            feature(6, multipolygon),
            feature(7, polygon(ring(X + 0.022, Y, replace={3: f"[{X:.6f},-Infinity]"}))),
            feature(8, polygon(ring(X + 0.024, Y, replace={2: f"[1e308,{Y:.6f}]"}))),
            feature(9, polygon(ring(X + 0.026, Y, replace={1: "[-1.5e300,-1e308]"}))),
            feature(10, polygon(ring(X + 0.030, Y))),
        ],
    )


def broken_points(path: Path) -> Path:
    """Four points: 1 and 4 are fine, 2 has NaN, 3 has Infinity."""

    def point(text: str) -> str:
        return f'{{"type":"Point","coordinates":{text}}}'

    return write(
        path,
        [
            feature(1, point(f"[{X:.6f},{Y:.6f}]")),
            feature(2, point(f"[NaN,{Y:.6f}]")),
            feature(3, point(f"[{X:.6f},Infinity]")),
            feature(4, point(f"[{X + D:.6f},{Y:.6f}]")),
        ],
    )
