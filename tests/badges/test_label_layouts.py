"""Label layouts (badges.layout, their one owner): each prints one page of its size with a QR that decodes."""

import pytest

from eventsvc.badges.layout import (
    LAYOUTS,
    PAGES,
    STATION_LAYOUTS,
    BadgeContent,
    label_css,
    render_badges,
)

BADGE = BadgeContent(code="AEAQAAAAAEAAAAABAAAB5VY4ZGXSN4E2QXUKPJ3L6UWT6Z4JU5FRZS2ZP6T7EQ",
                     name="Xie Zhaoxu", name_local="谢兆旭", position="Director",
                     organization="China Society of Automotive Engineers", organization_local="中国汽车工程学会",
                     category="Delegate", category_local="代表", color="#1d4ed8",
                     event_title="EV100 Forum", event_title_local="电动汽车百人会论坛")


@pytest.mark.parametrize("layout", STATION_LAYOUTS)
def test_each_station_layout_is_one_page_of_its_size_with_a_readable_qr(layout, printed):
    pdf = printed(render_badges([BADGE], layout))
    page = PAGES[layout]
    width, height = (float(v) for v in pdf.info()["Page size"].split()[0:3:2])
    assert (round(width / 72 * 25.4, 1), round(height / 72 * 25.4, 1)) == (page.width_mm, page.height_mm)
    assert pdf.qr_codes() == [BADGE.code]
    assert "谢兆旭" in pdf.text()


def test_the_html_labels_page_sizes_come_from_the_same_layouts():
    css = label_css()
    for page in PAGES.values():
        assert f"size: {page.width_mm}mm {page.height_mm}mm" in css
    assert set(STATION_LAYOUTS) <= set(LAYOUTS)
