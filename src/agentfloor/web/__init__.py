"""The browser side: static files served by the API under `/static`.

`static/widget.js` is the embeddable web chat widget (one script tag, vanilla JavaScript, no
build step) and `static/demo.html` a pretend shop page showing it, served at `/demo`. The agent
desktop, wallboard and admin screens will live here too.
"""

from __future__ import annotations

__all__: list[str] = []
