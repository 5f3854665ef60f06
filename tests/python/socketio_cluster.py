"""A socket.io cluster node and client, for elbow's stickiness-across-upgrade test.

    socketio_cluster.py serve HOST PORT NAME   # prints "ready" once listening; GET /stats
                                               # counts requests for unknown sessions
    socketio_cluster.py connect URL N          # N sessions; prints JSON

Each server keeps its engine.io sessions in memory, as the socket.io tutorial's cluster does:
a long-polling request or WebSocket upgrade that reaches the other node gets "Session ID
unknown". The client connects with transports polling then websocket (socket.io's default),
waits for the upgrade, then asks which node serves it over the upgraded transport.
"""
import asyncio
import json
import sys
import time


def serve(host, port, name):
    import socketio
    from aiohttp import web

    sio = socketio.AsyncServer(async_mode="aiohttp", ping_interval=5, ping_timeout=5)
    # Requests for a session this node does not hold: python-engineio answers 400 "Invalid
    # session" (Node's engine.io says "Session ID unknown").
    stats = {"unknown_session": 0}

    @web.middleware
    async def count_unknown_sessions(request, handler):
        response = await handler(request)
        body = getattr(response, "body", None) or b""
        if response.status == 400 and b"Invalid session" in bytes(body):
            stats["unknown_session"] += 1
        return response

    app = web.Application(middlewares=[count_unknown_sessions])
    sio.attach(app)

    @sio.event
    async def whoami(sid, data):
        return {"node": name, "transport": sio.transport(sid)}

    async def health(_request):
        return web.Response(text="ok")

    async def get_stats(_request):
        return web.json_response(stats)

    app.router.add_get("/health", health)
    app.router.add_get("/stats", get_stats)

    async def ready(_app):
        print("ready", flush=True)

    app.on_startup.append(ready)
    web.run_app(app, host=host, port=int(port), print=None, access_log=None)


def connect(url, n):
    import socketio

    out = {"ok": 0, "failures": [], "nodes": {}, "transports": {}}
    for i in range(n):
        client = socketio.Client(reconnection=False)
        try:
            client.connect(url, transports=["polling", "websocket"], wait_timeout=3)
            deadline = time.monotonic() + 5
            while client.transport() != "websocket" and time.monotonic() < deadline:
                time.sleep(0.02)
            reply = client.call("whoami", {}, timeout=5)
            out["nodes"][reply["node"]] = out["nodes"].get(reply["node"], 0) + 1
            t = reply["transport"]
            out["transports"][t] = out["transports"].get(t, 0) + 1
            out["ok"] += 1
        except Exception as e:  # noqa: BLE001 - every failure is a data point
            out["failures"].append(f"{type(e).__name__}: {e}")
        finally:
            try:
                client.disconnect()
            except Exception:  # noqa: BLE001
                pass
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        connect(sys.argv[2], int(sys.argv[3]))
