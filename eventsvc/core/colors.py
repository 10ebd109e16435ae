"""Text on a colour the organizer chose (a guest category's badge band, chip and pill).

One rule for every place that draws it, the pages and the printed badge alike: black or white,
whichever has the higher WCAG contrast ratio on the colour. One of the two always reaches at
least 4.58:1, so the text meets contrast AA whatever colour is chosen.
"""

BLACK, WHITE = "#000000", "#ffffff"
#: what an unreadable colour value is taken for (the categories' default grey)
FALLBACK = "#4a5568"


def rgb(color: str) -> tuple[float, float, float]:
    """"#rrggbb" (or "#rgb") as three fractions of 1; the default grey if it is not a colour."""
    digits = (color or "").strip().lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    try:
        value = int(digits, 16) if len(digits) == 6 else None
    except ValueError:
        value = None
    if value is None:
        return rgb(FALLBACK)
    return ((value >> 16) & 255) / 255, ((value >> 8) & 255) / 255, (value & 255) / 255


def relative_luminance(color: str) -> float:
    """WCAG 2's relative luminance: 0 for black, 1 for white."""
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(one: str, other: str) -> float:
    """WCAG 2's contrast ratio of two colours, from 1 (none) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(one), relative_luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_color_on(background: str) -> str:
    """Black or white: the text colour that reads best on the background."""
    return BLACK if contrast_ratio(BLACK, background) > contrast_ratio(WHITE, background) else WHITE
