"""A gRPC echo server and client built on grpcio, for elbow's gRPC tests.

    grpc_echo.py serve HOST PORT NAME   # prints "ready" once listening
    grpc_echo.py call TARGET N          # N unary calls of /echo.Echo/Say; prints JSON

The server registers a generic handler for /echo.Echo/Say only, so any other method (ALB's
default health check path /AWS.ALB/healthcheck) answers UNIMPLEMENTED (12), which is what
ALB's default gRPC matcher expects. Messages are raw bytes: no protobuf compiler needed.
"""
import json
import sys
from concurrent import futures

import grpc


def serve(host, port, name):
    def say(request, context):
        context.set_trailing_metadata((("x-served-by", name),))
        return name.encode() + b":" + request

    handler = grpc.method_handlers_generic_handler(
        "echo.Echo",
        {"Say": grpc.unary_unary_rpc_method_handler(say)},
    )
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers((handler,))
    server.add_insecure_port(f"{host}:{port}")
    server.start()
    print("ready", flush=True)
    server.wait_for_termination()


def call(target, n):
    out = {"replies": [], "errors": []}
    with grpc.insecure_channel(target) as channel:
        say = channel.unary_unary("/echo.Echo/Say")
        for i in range(n):
            try:
                reply = say(f"hello {i}".encode(), timeout=5)
                out["replies"].append(reply.decode())
            except grpc.RpcError as e:
                out["errors"].append(f"{e.code().name}: {e.details()}")
        missing = channel.unary_unary("/echo.Echo/Missing")
        try:
            missing(b"x", timeout=5)
            out["missing"] = "OK"
        except grpc.RpcError as e:
            out["missing"] = e.code().name
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        call(sys.argv[2], int(sys.argv[3]))
