"""The WSGI entry point for gunicorn: ``gunicorn -w 4 eventsvc.wsgi:app``.

After start-up, every long-lived object (the app, templates, metadata) is moved out
of the garbage collector's reach with ``gc.freeze()``: full collections then scan only
request garbage, which halves the time of big pages (measured by bench/agenda.py).
"""

import gc

from eventsvc import create_app

app = create_app()
gc.collect()
gc.freeze()
