"""The Usage page (web/index.html), served with the server's page settings written into it.

The page learns its links and limits from a JSON block in its own HTML, so loading the page
still sends one request for its figures and nothing more. Each link is a setting
(`BURNRATE_LINK_BILLING`, …); the page hides a link whose setting is empty.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from server.settings import Settings, env_name

WEB = Path(__file__).resolve().parent.parent / "web"
PLACEHOLDER = '<script type="application/json" id="page-config">{}</script>'

#: The page's name for each link, and the setting that holds its URL.
LINKS = {
    "billing": "link_billing",
    "creditsExplained": "link_credits_explained",
    "conversations": "link_conversations",
    "campaigns": "link_campaigns",
}


def checked_link(setting: str, url: str) -> str:
    """An http(s) URL or a path on this site; anything else (`javascript:`, `//host`) stops
    the server with one line naming the setting."""
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    web = parts.scheme in ("http", "https") and bool(parts.netloc)
    local = not parts.scheme and not parts.netloc and url.startswith("/") and "\\" not in url
    if not (web or local) or any(c.isspace() or ord(c) < 32 for c in url):
        raise SystemExit(
            f"burnrate: setting {env_name(setting)} must be an http(s) URL or a path starting "
            f"with /, got {url!r}"
        )
    return url


def page_settings(config: Settings) -> dict[str, object]:
    links = {name: checked_link(field, getattr(config, field)) for name, field in LINKS.items()}
    return {"links": {k: v for k, v in links.items() if v}, "maxRangeDays": config.max_range_days}


def page_html(config: Settings) -> str:
    template = (WEB / "index.html").read_text(encoding="utf-8")
    if PLACEHOLDER not in template:
        raise RuntimeError("web/index.html has no page-config block")
    # `<`, `>` and `&` escaped, so no value can end the script element early.
    text = json.dumps(page_settings(config), separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return template.replace(PLACEHOLDER, PLACEHOLDER.replace("{}", text))


def page_routes(config: Settings) -> list[Route]:
    """`/` and `/index.html`: the page with this server's settings (read once, at start)."""
    body = page_html(config)

    async def page(_: Request) -> Response:
        return HTMLResponse(body, headers={"Cache-Control": "no-cache"})

    return [Route("/", page), Route("/index.html", page)]
