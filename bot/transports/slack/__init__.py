"""The Slack transport: slack-bolt (asyncio) in Socket Mode or over HTTP, rendering Block Kit."""
