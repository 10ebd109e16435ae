"""Text on a category's colour reads at contrast AA wherever it is drawn: the printed badge's band,
the organizer's chips and the guest's badge on a phone (issue 15). core.colors decides."""

import subprocess

from PIL import Image

from eventsvc.badges.layout import BAND_HEIGHT, HEIGHT, BadgeContent, render_badges
from eventsvc.core.colors import contrast_ratio, text_color_on


def test_the_text_reads_at_contrast_aa_on_any_colour_an_organizer_picks():
    steps = range(0, 256, 15)
    colours = [f"#{r:02x}{g:02x}{b:02x}" for r in steps for g in steps for b in steps]
    worst = min(colours, key=lambda c: contrast_ratio(text_color_on(c), c))
    assert contrast_ratio(text_color_on(worst), worst) >= 4.5, worst


def test_the_demo_press_orange_carries_black_text_and_the_vip_red_white(organizer_client, demo):
    page = organizer_client.get(f"/manage/e/{demo}/badges").get_data(as_text=True)
    assert 'data-color="#dd6b20" data-text-color="#000000">Press<' in page  # white on it read at 3.4:1
    assert 'data-color="#c53030" data-text-color="#ffffff">VIP<' in page
    categories = organizer_client.get(f"/manage/e/{demo}/categories").get_data(as_text=True)
    assert 'data-color="#dd6b20" data-text-color="#000000"' in categories


def _band_pixels(pdf, tmp_path) -> list[tuple[int, int, int]]:
    """The pixels of the printed badge's category band, rasterized at 100 dpi."""
    stem = tmp_path / "band"
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", str(pdf.path), str(stem)], check=True)
    image = Image.open(f"{stem}.png").convert("RGB")
    top = round(image.height * (1 - BAND_HEIGHT / HEIGHT)) + 3
    band = image.crop((3, top, image.width - 3, image.height - 3))
    return [band.getpixel((x, y)) for y in range(band.height) for x in range(band.width)]


def _badge(color: str) -> BadgeContent:
    return BadgeContent(code="A" * 60, name="Li Na", category="Press", category_local="媒体", color=color)


def test_the_printed_band_of_an_orange_category_has_black_text_and_of_a_blue_one_white(printed, tmp_path):
    orange = _band_pixels(printed(render_badges([_badge("#dd6b20")])), tmp_path)
    assert any(max(p) < 60 for p in orange) and not any(min(p) > 200 for p in orange)
    blue = _band_pixels(printed(render_badges([_badge("#2b6cb0")])), tmp_path)
    assert any(min(p) > 200 for p in blue) and not any(max(p) < 60 for p in blue)
