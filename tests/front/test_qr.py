"""QR codes carry this site's absolute address and nothing else."""

import io

import pytest
from django.test import override_settings
from PIL import Image

from front.qr import ForeignAddress, qr_png, qr_svg, site_address


@override_settings(SITE_URL="https://gh.example.gov.cn")
def test_a_local_path_becomes_the_public_address():
    address = site_address("/plans/p/villages/141181101203/?layer=a")
    assert address == "https://gh.example.gov.cn/plans/p/villages/141181101203/?layer=a"


@pytest.mark.parametrize(
    "path", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "plans/x/"]
)
def test_an_address_elsewhere_is_refused(path):
    with pytest.raises(ForeignAddress):
        site_address(path)


def test_the_svg_and_png_encode_the_address():
    svg = qr_svg("https://gh.example.gov.cn/plans/p/", title="扫码查看")
    assert svg.startswith("<svg") and "扫码查看" in svg
    image = Image.open(io.BytesIO(qr_png("https://gh.example.gov.cn/plans/p/")))
    assert image.format == "PNG" and image.width == image.height >= 29 * 8
