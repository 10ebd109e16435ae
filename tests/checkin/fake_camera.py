"""A fake camera for Chromium: a Y4M video of a real badge's QR code."""

import io

import segno
from PIL import Image


def badge_video(code: str, path) -> str:
    """One 640x480 4:2:0 frame (Chromium loops it) showing the QR code on white."""
    buffer = io.BytesIO()
    segno.make_qr(code, error="m").save(buffer, kind="png", scale=6, border=4)
    qr = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    qr.thumbnail((440, 440))
    frame = Image.new("RGB", (640, 480), "white")
    frame.paste(qr, ((640 - qr.width) // 2, (480 - qr.height) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (320, 240)
    with open(path, "wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F30:1 Ip A1:1 C420jpeg\n")
        out.write(b"FRAME\n")
        out.write(y.tobytes())
        out.write(cb.resize(half, Image.Resampling.BOX).tobytes())
        out.write(cr.resize(half, Image.Resampling.BOX).tobytes())
    return str(path)
