"""/g/<id>: each service guide as a clean, fast mobile page, from the same data
file the chat replies come from. No external assets: WeChat's in-app browser
on a county network should open it instantly."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from .page_headers import protect

bp = Blueprint("guides", __name__, url_prefix="/g")
protect(bp)


@bp.get("/")
def index() -> str:
    services = current_app.extensions["wechat_bot"]
    catalogue = services.catalogue
    areas = [(area, catalogue.by_area(area)) for area in ("户政", "出入境", "治安", "交管", "其他")]
    return render_template("guides/index.html", areas=[a for a in areas if a[1]], bureau=services.bureau.placeholders())


@bp.get("/<guide_id>")
def page(guide_id: str) -> str:
    services = current_app.extensions["wechat_bot"]
    guide = services.catalogue.get(guide_id)
    if guide is None:
        abort(404)
    related = [g for g in (services.catalogue.get(r) for r in guide.related) if g is not None]
    return render_template(
        "guides/page.html",
        guide=guide.filled(services.bureau),
        related=related,
        bureau=services.bureau.placeholders(),
    )
