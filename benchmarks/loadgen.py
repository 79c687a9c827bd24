"""A small closed-loop HTTP/1.1 load generator: keep-alive connections, one request in
flight on each, so both servers of a comparison meet exactly the same load."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import numpy as np


@dataclass
class Load:
    requests: int
    seconds: float
    latencies_ms: np.ndarray
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def p(self, q: float) -> float:
        return float(np.percentile(self.latencies_ms, q))

    def line(self, label: str, records_per_request: int = 1) -> str:
        rate = f"{self.rps:8.1f} req/s"
        if records_per_request > 1:
            rate += f" ({self.rps * records_per_request:,.0f} records/s)"
        return (f"{label:<34} {rate}  p50 {self.p(50):6.2f} ms  p99 {self.p(99):6.2f} ms"
                f"  errors {self.errors}")


async def _connection(host: str, port: int, request: bytes, count: int,
                      latencies: list[float], errors: list[int]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for _ in range(count):
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            latencies.append((time.perf_counter() - start) * 1000)
            if status != 200:
                errors.append(status)
    finally:
        writer.close()


def run_load(url: str, path: str, body: bytes, requests: int, concurrency: int) -> Load:
    host, port = url.removeprefix("http://").split(":")
    request = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    per_connection = max(1, requests // concurrency)
    latencies: list[float] = []
    errors: list[int] = []

    async def main() -> float:
        start = time.perf_counter()
        await asyncio.gather(*(_connection(host, int(port), request, per_connection,
                                           latencies, errors) for _ in range(concurrency)))
        return time.perf_counter() - start

    seconds = asyncio.run(main())
    return Load(len(latencies), seconds, np.array(latencies), len(errors))
