"""Reference only (no target is set against it): a bare aiohttp handler that posts the same reply an
echo bot posts, through one pooled aiohttp client session, with no SDK at all. It shows what the HTTP
round trips alone cost on this machine.

`PORT=3981 python -m bench.echo_bare`, loopback only.
"""

import json
import os
import uuid

import aiohttp
from aiohttp import web

SESSION = web.AppKey("session", aiohttp.ClientSession)


async def messages(request: web.Request) -> web.Response:
    activity = await request.json()
    if activity.get("type") == "message":
        reply = {"type": "message", "text": f"Echo: {activity.get('text')}", "id": str(uuid.uuid4()),
                 "from": activity.get("recipient"), "recipient": activity.get("from"),
                 "conversation": activity.get("conversation"), "replyToId": activity.get("id"),
                 "channelId": activity.get("channelId"), "serviceUrl": activity.get("serviceUrl")}
        url = (f"{activity['serviceUrl'].rstrip('/')}/v3/conversations/{activity['conversation']['id']}"
               f"/activities/{activity['id']}")
        async with request.app[SESSION].post(url, data=json.dumps(reply),
                                             headers={"Content-Type": "application/json"}) as response:
            await response.read()
    return web.Response(status=201)


async def session(app: web.Application):
    app[SESSION] = aiohttp.ClientSession()
    yield
    await app[SESSION].close()


APP = web.Application()
APP.router.add_post("/api/messages", messages)
APP.cleanup_ctx.append(session)

if __name__ == "__main__":
    web.run_app(APP, host="127.0.0.1", port=int(os.environ.get("PORT", "3978")), access_log=None, print=None)
