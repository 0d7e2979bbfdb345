"""The access log: method, path, status, size and duration of each request, and never its query.

aiohttp's default line has the whole request line, and a query can carry a signed link's token
(valid up to 180 days) that anyone reading the log could then use. The path is logged as sent
(percent-encoded), so it cannot break or forge a log line either."""

from __future__ import annotations

import logging

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse


class PathOnlyAccessLogger(AbstractAccessLogger):
    """For `web.run_app(..., access_log_class=PathOnlyAccessLogger)`."""

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        self.logger.info("%s %s %s %s %.3fs", request.method, request.rel_url.raw_path, response.status,
                         response.body_length, time)
