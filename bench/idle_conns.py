#!/usr/bin/env python3
"""Opens N idle HTTP/1.1 connections to HOST:PORT for bench.py's memory figure.

Protocol on stdin/stdout: prints "ok open" once all N are connected; on "request" sends one
keep-alive GET on each connection (one at a time, so the proxy needs few connections to its
backends) and prints "ok request"; on "close" closes everything and exits.
"""
import asyncio
import resource
import sys


async def read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    if length:
        await reader.readexactly(length)


async def main(host, port, n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    conns = []
    for i in range(n):
        conns.append(await asyncio.open_connection(host, port))
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    print("ok open", flush=True)
    while True:
        cmd = (await stdin.readline()).decode().strip()
        if cmd == "request":
            for r, w in conns:
                w.write(b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n")
                await w.drain()
                await read_response(r)
            print("ok request", flush=True)
        else:
            for _, w in conns:
                w.close()
            return


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
