"""GraphiQL served from this server, so that it works without internet.

Strawberry's GraphiQL page loads React, GraphiQL and the explorer plugin from a CDN, each
pinned by version and by a Subresource Integrity hash. `python -m server.graphiql` (a step of
`make run` and `make test`) fetches exactly those files with npm, by package name and
version, checks each against the page's own hash, and keeps them in vendor/graphiql/ (not in
git: about 4 MB of minified code). The server then serves the same page with its URLs
pointing at /graphiql/ on this server; while the files are missing it serves the CDN page.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from strawberry.http.ides import get_graphql_ide_html

log = logging.getLogger("burnrate")

VENDOR = Path(__file__).resolve().parent.parent / "vendor" / "graphiql"
CDN = "https://unpkg.com/"
LOCAL = "/graphiql/"
_ASSET = re.compile(
    r'(?:src|href)="https://unpkg\.com/(?P<package>(?:@[\w.-]+/)?[\w.-]+)@(?P<version>[\w.-]+)/'
    r'(?P<path>[\w./-]+)"\s+integrity="(?P<integrity>sha384-[A-Za-z0-9+/=]+)"'
)


@dataclass(frozen=True)
class Asset:
    """One file the page loads: an npm package's file and its SRI hash."""

    package: str
    version: str
    path: str
    integrity: str

    def under(self, folder: Path) -> Path:
        return folder / f"{self.package}@{self.version}" / self.path


def cdn_page() -> str:
    return get_graphql_ide_html("graphiql")


def assets(page: str) -> list[Asset]:
    """Every CDN file the page loads; a page that loads one without a hash is refused."""
    found = [Asset(**m.groupdict()) for m in _ASSET.finditer(page)]
    if len(found) != page.count(CDN):
        raise RuntimeError("GraphiQL's page loads a CDN file without an integrity hash")
    return found


def matches(data: bytes, integrity: str) -> bool:
    return integrity == "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def vendored(folder: Path = VENDOR) -> bool:
    """Every file the page loads is in `folder`, with the page's hash."""
    for asset in assets(cdn_page()):
        path = asset.under(folder)
        if not path.is_file() or not matches(path.read_bytes(), asset.integrity):
            return False
    return True


@cache
def page(folder: Path = VENDOR) -> str:
    """The GraphiQL page: its files from this server once vendored, else from the CDN."""
    html = cdn_page()
    if vendored(folder):
        return html.replace(CDN, LOCAL)
    log.warning(
        "GraphiQL's files are not in %s (run `make`): /graphql loads them from a CDN", folder
    )
    return html


def routes(folder: Path = VENDOR) -> list[BaseRoute]:
    """/graphiql/…: the vendored files, when there are any."""
    if not folder.is_dir():
        return []
    return [Mount(LOCAL.rstrip("/"), app=StaticFiles(directory=folder), name="graphiql")]


def _npm_pack(spec: str, into: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("burnrate: npm is needed to fetch GraphiQL's files (apt-get install npm)")
    done = subprocess.run(
        [npm, "pack", "--json", "--pack-destination", str(into), spec],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"burnrate: npm pack {spec} failed: {done.stderr.strip()[-500:]}")
    filename: str = json.loads(done.stdout)[0]["filename"]
    return into / filename


def vendor(folder: Path = VENDOR) -> list[Asset]:
    """Fetches the page's files into `folder`, each checked against its hash."""
    wanted = assets(cdn_page())
    with tempfile.TemporaryDirectory() as temp:
        for spec in sorted({f"{a.package}@{a.version}" for a in wanted}):
            tarball = _npm_pack(spec, Path(temp))
            with tarfile.open(tarball) as archive:
                for asset in (a for a in wanted if f"{a.package}@{a.version}" == spec):
                    member = archive.extractfile(f"package/{asset.path}")
                    data = member.read() if member else b""
                    if not matches(data, asset.integrity):
                        raise SystemExit(f"burnrate: {spec}/{asset.path} does not match its hash")
                    target = asset.under(folder)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(data)
    return wanted


def main() -> int:
    fetched = vendor()
    (VENDOR / ".complete").write_text(
        "".join(f"{a.integrity} {a.package}@{a.version}/{a.path}\n" for a in fetched)
    )
    size = sum(a.under(VENDOR).stat().st_size for a in fetched)
    print(f"GraphiQL: {len(fetched)} files ({size / 1e6:.1f} MB) checked and kept in {VENDOR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
