"""A fake camera for Chromium: a Y4M video of a real badge's QR code."""

import io

from PIL import Image

from eventsvc.documents.qr import qr_png


def badge_video(code: str, path) -> str:
    """One 640x480 4:2:0 frame (Chromium loops it) showing the QR code on white."""
    qr = Image.open(io.BytesIO(qr_png(code, scale=6))).convert("RGB")
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
