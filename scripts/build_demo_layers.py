"""Builds the demonstration map layers of 《孝义市阳泉曲镇国土空间总体规划（2021-2035年）》.

Writes fixtures/yangquanqu/layers.json (the layer catalogue, in display order) and one GeoJSON
FeatureCollection per layer in fixtures/yangquanqu/layers/ (EPSG:4326 lon/lat, 6 decimals,
RFC 7946 ring orientation, one feature per line).

The layers are 演示数据: synthetic and illustrative, NOT the approved plan. They follow the words
of the draft (chapters 1, 3-8) so that the portal has something plausible to show. Only these
are real: the 31 village units of NBS 2023 (names and 12-digit codes, not their positions), the
town seat, the one real village coordinate (阳泉曲村), the 孝义市 outline from 天地图, and the
town extent (itself an approximation, see scripts/build_extent.py). Every layer says which,
in its description, source note, data_status and publication note. No layer invents a
specific on a real name: where the draft gives no per-village or per-site fact, a feature is
unnamed or reads 草案未列明（示意）; tests/layers/test_demo_fidelity.py checks this.

Approach: a skeleton (demo_layers/town.py) is placed by hand-chosen kilometre offsets from the
real seat in EPSG:4546 (CGCS2000 Gauss-Krüger zone 37, CM 111E): village points, 兑镇河, roads,
the 118.13 ha 镇政府驻地范围 (scaled until its written area matches), the 城镇开发边界, village
territories (Voronoi cells) and the named plan areas. Farmland parcels follow the contours of a
synthetic terrain (demo_layers/farmland.py). Each catalogue layer is one function in
demo_layers/layers_base.py (chapters 1-3), layers_land.py (4-5) or layers_services.py (6-8).
Areas (MJ, m²) are computed in EPSG:4546 from the written coordinates.

Deterministic: seeded numpy generators, fixed iteration order, no timestamps; re-running gives
byte-identical files, on any x86-64 CPU with AVX2 and FMA: numpy's AVX-512 loops are turned off
(below). Reads only files inside the repository.

    .venv/bin/python scripts/build_demo_layers.py [--out DIR]
"""

import argparse
import os
import platform
from pathlib import Path

# numpy's AVX-512 loops give sin, cos, exp and arctan a last bit other than the C library's,
# which numpy calls on every other x86-64 CPU; the build's overlays turn such a bit into a
# parcel more or less. Off before numpy is imported, so every CPU builds the committed files.
if platform.machine().lower() in ("x86_64", "amd64"):
    os.environ["NPY_DISABLE_CPU_FEATURES"] = "X86_V4 AVX512_ICL AVX512_SPR"

from demo_layers.common import write_all  # noqa: E402
from demo_layers.farmland import build_parcels  # noqa: E402
from demo_layers.layers_base import base_layers  # noqa: E402
from demo_layers.layers_land import land_layers  # noqa: E402
from demo_layers.layers_services import service_layers  # noqa: E402
from demo_layers.town import build_town  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "fixtures" / "yangquanqu"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    args = parser.parse_args()
    town = build_town()
    parcels = build_parcels(town)
    layers = base_layers(town, parcels) + land_layers(town, parcels) + service_layers(town, parcels)
    report = write_all(layers, args.out)
    total = sum(size for _, _, size in report)
    for file, count, size in report:
        print(f"{file:32} {count:6d} features {size / 1024:9.1f} KiB")
    print(f"{len(report)} layers, {total / 1024 / 1024:.2f} MiB, written to {args.out}")


if __name__ == "__main__":
    main()
