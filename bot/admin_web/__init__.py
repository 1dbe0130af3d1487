"""The admin web page at /admin: sign-in with Slack, and what is live, covered and counted.

`routes.add_admin_routes` puts it on an aiohttp app: the Slack HTTP server in Events-API
mode, the health side port in Socket Mode. What the page shows is computed from the live
catalog and the statistics store by plain functions (`overview`, `charts`, `diagrams`); who
may see what is `bot.admin.Admin`'s answer, the same as for the admin command.
"""
