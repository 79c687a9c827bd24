"""A small closed-loop HTTP/1.1 load generator: keep-alive connections, one request in
flight on each, so both servers of a comparison meet exactly the same load.

A non-200 answer, a dropped connection or a request with no answer within REQUEST_TIMEOUT
counts as an error (the connection is then opened anew), so a failing server yields error
counts rather than a crashed benchmark or a flattering rate."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import numpy as np

REQUEST_TIMEOUT = 30.0


@dataclass
class Load:
    requests: int
    seconds: float
    latencies_ms: np.ndarray
    errors: int
    error_statuses: dict[int, int]  # status -> count; 0 = no answer (dropped, timed out)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def p(self, q: float) -> float:
        return float(np.percentile(self.latencies_ms, q))

    def line(self, label: str, records_per_request: int = 1) -> str:
        rate = f"{self.rps:8.1f} req/s"
        if records_per_request > 1:
            rate += f" ({self.rps * records_per_request:,.0f} records/s)"
        errors = f"errors {self.errors}" + (f" {self.error_statuses}" if self.errors else "")
        return (f"{label:<34} {rate}  p50 {self.p(50):6.2f} ms  p99 {self.p(99):6.2f} ms"
                f"  {errors}")


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    request: bytes) -> tuple[int, bool]:
    """Send one request, read its answer: (status, whether the server keeps the connection)."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length, keep = 0, True
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
        elif name.lower() == b"connection" and value.strip().lower() == b"close":
            keep = False
    await reader.readexactly(length)
    return status, keep


async def _connection(host: str, port: int, request: bytes, count: int,
                      latencies: list[float], errors: list[int]) -> None:
    reader = writer = None
    try:
        for _ in range(count):
            start = time.perf_counter()
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                status, keep = await asyncio.wait_for(_exchange(reader, writer, request),
                                                      REQUEST_TIMEOUT)
            except (OSError, TimeoutError, asyncio.IncompleteReadError,
                    asyncio.LimitOverrunError, ValueError, IndexError):
                status, keep = 0, False  # 0: no (readable) answer at all
            latencies.append((time.perf_counter() - start) * 1000)
            if status != 200:
                errors.append(status)
            if not keep and writer is not None:
                writer.close()
                writer = None
    finally:
        if writer is not None:
            writer.close()


def run_load(url: str, path: str, body: bytes, requests: int, concurrency: int) -> Load:
    host, port = url.removeprefix("http://").split(":")
    request = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    # Every request is sent: the first connections take one more when it does not divide.
    shares = [requests // concurrency + (i < requests % concurrency) for i in range(concurrency)]
    latencies: list[float] = []
    errors: list[int] = []

    async def main() -> float:
        start = time.perf_counter()
        await asyncio.gather(*(_connection(host, int(port), request, share, latencies, errors)
                               for share in shares if share))
        return time.perf_counter() - start

    seconds = asyncio.run(main())
    statuses = {status: errors.count(status) for status in sorted(set(errors))}
    return Load(len(latencies), seconds, np.array(latencies), len(errors), statuses)
