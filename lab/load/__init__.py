"""Load against the real server: open loop (a target arrival rate) and closed loop.

* :func:`open_loop` sends requests at Poisson arrival times fixed in advance and measures
  each latency from the request's *intended* send time, so time spent queueing for a busy
  server counts (no coordinated omission).
* :func:`closed_loop` keeps ``concurrency`` requests in flight, each sent when the last
  answer came: the way to find maximum throughput, but it under-reports p99 under overload,
  because a slow answer also delays the requests that would have queued behind it.
"""

from lab.load.closed import closed_loop
from lab.load.openloop import LoadResult, arrival_offsets, open_loop
from lab.load.stream import open_loop_traffic, send_scenario_traffic

__all__ = ["LoadResult", "arrival_offsets", "closed_loop", "open_loop", "open_loop_traffic",
           "send_scenario_traffic"]
