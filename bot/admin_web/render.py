"""The page's HTML: jinja2 templates (autoescaped) with the texts of bot/locales."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader

from bot.core.texts import text

LIST_MAX = 25  # a list longer than this shows its first ones and how many more


class Renderer:
    """Renders `bot/admin_web/templates/*.html`; `t(key, **values)` is the text `admin_web.key`."""

    def __init__(self) -> None:
        self.env = Environment(
            loader=PackageLoader("bot.admin_web", "templates"),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals["t"] = lambda key, **values: text(f"admin_web.{key}", "sv", **values)
        self.env.globals["LIST_MAX"] = LIST_MAX

    def page(self, template: str, **values: object) -> str:
        return self.env.get_template(template).render(**values)
