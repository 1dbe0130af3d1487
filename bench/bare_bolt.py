"""The baseline server: a bare slack-bolt AsyncApp whose slash-command handler only acks.

Signature verification on, served by aiohttp (`AsyncApp.web_app()`), Web API = the stand-in.
Started by the benchmarks as `python -m bench.bare_bolt --port N --api-url URL`.
"""

from __future__ import annotations

import argparse
import logging

from aiohttp import web
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from tests.helpers.slack_requests import BOT_TOKEN, SIGNING_SECRET


def build(api_url: str, *, before_response: bool) -> web.Application:
    app = AsyncApp(
        signing_secret=SIGNING_SECRET,
        client=AsyncWebClient(token=BOT_TOKEN, base_url=api_url),
        request_verification_enabled=True,
        process_before_response=before_response,
    )

    async def only_ack(ack: AsyncAck) -> None:
        await ack()

    app.command("/kontakt")(only_ack)
    return app.web_app()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--process-before-response", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    web.run_app(
        build(args.api_url, before_response=args.process_before_response),
        host="127.0.0.1",
        port=args.port,
        access_log=None,
        print=None,
    )


if __name__ == "__main__":
    main()
