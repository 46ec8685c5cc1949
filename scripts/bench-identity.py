#!/usr/bin/env python3
"""Identity benchmark (issue 3): how many sign-ins a second this machine serves with correct
passwords, against the Argon2 limit (cores / time of one hash), and whether everything else
stays fast while sign-ins saturate the hashing pool.

Starts the release server on a free port with a fresh database, registers one account per
client (one account signing in 80 times a second from eight places would be throttled, as it
should), then:
1. the server times one Argon2id hash at start-up (its log says so): the limit is
   cores / that time; one sign-in at a time is also timed, for comparison;
2. for LOAD_SECONDS, 4 x cores clients sign in without pause while one prober asks for
   /healthz and another for a signed-in page (/cabinet), each sequentially;
3. prints sign-ins/s, the latency percentiles of the probes, and compares them with the
   budget below. Exit status 1 when a figure is over budget.

Standard library only; the client threads spend their time waiting on sockets.
"""
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER = os.path.join(ROOT, "target", "release", "server")
LOAD_SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))
CORES = os.cpu_count() or 1
PASSWORD = "Too-Ata+jailoo+2026"

# Budgets: sign-ins reach at least this share of the Argon2 limit, and the probes' p99
# stay under these while the hashing pool is saturated.
BUDGET = {
    "share_of_limit": 0.60,
    "healthz_p99_ms": 100.0,
    "page_p99_ms": 500.0,
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, body=None, cookie=None, accept="application/json"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Accept": accept}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if cookie:
        headers["Cookie"] = cookie
    started = time.perf_counter()
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    return response, elapsed


def session_cookie(response):
    for name, value in response.getheaders():
        if name.lower() == "set-cookie" and value.startswith("portal_session="):
            return value.split(";", 1)[0]
    return None


def pin_of(client):
    """A valid PIN per client (2, 15.03.1990, a code)."""
    return f"215031990{client:05d}"


def sign_in(port, client=0):
    form = urllib.parse.urlencode({"identifier": pin_of(client), "password": PASSWORD.replace("+", " ")})
    response, elapsed = request(port, "POST", "/api/account/sign-in", form)
    # A server function answers 200 (or a redirect when it redirects) with a new cookie.
    ok = response.status in (200, 302, 303) and session_cookie(response) is not None
    return ok, elapsed


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
    return ordered[index]


def main() -> int:
    if not os.path.exists(SERVER):
        print(f"missing {SERVER}: run a release build first (cargo leptos build --release)")
        return 1
    port = free_port()
    data = tempfile.mkdtemp(prefix="portal-bench-")
    log_path = os.path.join(data, "server.log")
    log = open(log_path, "w")
    server = subprocess.Popen(
        [SERVER, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", data,
         "--site-root", os.path.join(ROOT, "target", "site"),
         "--attempts-per-address", "100000000", "--log-format", "json"],
        stdout=log, stderr=log,
    )
    try:
        for _ in range(300):
            try:
                if request(port, "GET", "/readyz")[0].status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        clients = 4 * CORES
        for client in range(clients):
            registration = urllib.parse.urlencode({
                "kind": "individual", "pin": pin_of(client), "full_name": "Bench Account",
                "email": f"bench-{client}@example.kg", "phone": "",
                "password": PASSWORD.replace("+", " "), "accepts_agreement": "true",
                "consents_to_personal_data": "true", "agreement_version": "1",
            })
            response, _ = request(port, "POST", "/api/account/register", registration)
            if response.status != 200:
                print(f"registration failed: HTTP {response.status}")
                return 1
        form = urllib.parse.urlencode({"identifier": pin_of(0), "password": PASSWORD.replace("+", " ")})
        response, _ = request(port, "POST", "/api/account/sign-in", form)
        cookie = session_cookie(response)
        if cookie is None:
            print(f"sign-in failed: HTTP {response.status}")
            return 1

        # 1. The server's own timing of one hash, and one sign-in at a time.
        hash_ms = None
        with open(log_path) as lines:
            for line in lines:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if entry.get("message") == "one Argon2id hash":
                    hash_ms = float(entry["hash_ms"])
        if hash_ms is None:
            print("the server's log did not say how long one hash takes")
            return 1
        limit = CORES * 1000.0 / hash_ms
        for _ in range(3):
            sign_in(port)
        single = [sign_in(port)[1] for _ in range(15)]
        one = statistics.median(single)

        # 2. Saturate the hashing pool and probe the rest.
        stop = time.monotonic() + LOAD_SECONDS
        counts = {"ok": 0, "failed": 0}
        lock = threading.Lock()
        health, page = [], []

        def signer(client):
            while time.monotonic() < stop:
                ok, _ = sign_in(port, client)
                with lock:
                    counts["ok" if ok else "failed"] += 1

        def prober(path, out, pause, with_cookie):
            while time.monotonic() < stop:
                response, elapsed = request(
                    port, "GET", path, cookie=cookie if with_cookie else None,
                    accept="text/html")
                if response.status == 200:
                    out.append(elapsed)
                time.sleep(pause)

        threads = [threading.Thread(target=signer, args=(client,)) for client in range(clients)]
        threads.append(threading.Thread(target=prober, args=("/healthz", health, 0.02, False)))
        threads.append(threading.Thread(target=prober, args=("/cabinet?lang=en", page, 0.05, True)))
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.monotonic() - began
        rate = counts["ok"] / seconds

        ms = lambda s: s * 1000.0
        figures = {
            "share_of_limit": rate / limit,
            "healthz_p99_ms": ms(percentile(health, 99)),
            "page_p99_ms": ms(percentile(page, 99)),
        }
        print(f"cores                              {CORES}")
        print(f"one Argon2id hash (server, start)  {hash_ms:8.1f} ms")
        print(f"Argon2 limit (cores / one hash)    {limit:8.1f} sign-ins/s")
        print(f"one sign-in, alone (median of 15)  {ms(one):8.1f} ms")
        print(f"sign-ins under load ({4 * CORES} clients)    {rate:8.1f} /s  "
              f"({counts['ok']} in {seconds:.1f} s, {counts['failed']} failed)")
        print(f"share of the limit                 {figures['share_of_limit']:8.2f}   "
              f"budget >= {BUDGET['share_of_limit']:.2f}")
        print(f"/healthz under load   p50 {ms(percentile(health, 50)):7.1f} ms  "
              f"p99 {figures['healthz_p99_ms']:7.1f} ms  ({len(health)} probes)  "
              f"budget p99 <= {BUDGET['healthz_p99_ms']:.0f} ms")
        print(f"/cabinet under load   p50 {ms(percentile(page, 50)):7.1f} ms  "
              f"p99 {figures['page_p99_ms']:7.1f} ms  ({len(page)} probes)  "
              f"budget p99 <= {BUDGET['page_p99_ms']:.0f} ms")

        over = []
        if figures["share_of_limit"] < BUDGET["share_of_limit"]:
            over.append("sign-in throughput")
        if counts["failed"]:
            over.append("failed sign-ins")
        if not health or figures["healthz_p99_ms"] > BUDGET["healthz_p99_ms"]:
            over.append("/healthz p99")
        if not page or figures["page_p99_ms"] > BUDGET["page_p99_ms"]:
            over.append("signed-in page p99")
        if over:
            print("OVER BUDGET: " + ", ".join(over))
            return 1
        print("identity benchmark within budget")
        return 0
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
