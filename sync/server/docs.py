"""The API's documentation page (``/docs``), served from this server's own files.

FastAPI's default page loads Swagger UI from a CDN; a provincial LAN may have no internet, so the page,
its script, its style and its icon come from the ``swagger-ui-bundle`` package installed with the server
(under ``/docs/assets/``). Nothing on the page is fetched from another host.
"""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse

ASSETS_URL = "/docs/assets"
#: The files the page needs, and nothing else of the package's folder.
ASSETS = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css", "favicon-32x32.png": "image/png"}


def assets_folder() -> Path:
    return Path(swagger_ui_bundle.swagger_ui_path)


def add_local_docs(app: FastAPI, openapi_url: str = "/openapi.json") -> None:
    folder = assets_folder()

    @app.get("/docs", include_in_schema=False)
    def docs_page() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=openapi_url, title=f"{app.title} - API",
                                   swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
                                   swagger_favicon_url=f"{ASSETS_URL}/favicon-32x32.png",
                                   swagger_ui_parameters={"validatorUrl": None})  # no badge from the internet

    @app.get(ASSETS_URL + "/{name}", include_in_schema=False)
    def docs_asset(name: str) -> FileResponse:
        media = ASSETS.get(name)
        if media is None:
            raise HTTPException(404)
        return FileResponse(folder / name, media_type=media, headers={"Cache-Control": "max-age=86400"})
