#!/usr/bin/env python3
"""Performance (issue 13): measures a release build as a phone and a load generator see it,
compares every figure with its budget, and writes target/perf/results.md and .json.

Starts target/release/server on a free port with a fresh data directory (SQLite, or a
scratch PostgreSQL database with --postgres), registers and signs in an account over HTTP,
then:

  throughput  wrk (2 threads, 32 connections, PERF_SECONDS each, default 5) on /healthz (the
              reference), /, /login, /agreement, and signed-in /cabinet and /cabinet/history:
              requests/s as a ratio to /healthz, and p99 latency
  size        what Chromium receives on a phone (end2end/perf/sent.mjs): first visit with an
              empty cache and repeat visit of /, /login, /register, /agreement, signed-in
              /cabinet and a deep cabinet page; HTML+CSS, JS and wasm (every chunk)
  wasm        which crate owns each KB of the wasm (scripts/wasm_owners.py), and what
              target/site/pkg ships
With --full also:
  lighthouse  the lighthouse npm package (installed into .tools/lighthouse when missing)
              driving Debian's Chromium, mobile profile, on the public pages and /cabinet
  memory      server RSS before, during and after wrk on / and /agreement plus 8 clients
              uploading 20 MB files for PERF_UPLOAD_SECONDS (default 60)
  scale       scripts/perf_scale.py, when it exists (also with --scale)

    python3 scripts/perf.py                 # the cheap parts (CI): under 4 minutes
    python3 scripts/perf.py --full          # everything
    python3 scripts/perf.py --parts size,wasm
    python3 scripts/perf.py --postgres      # the server on a scratch PostgreSQL database

Environment: PERF_SECONDS (5), PERF_WARMUP_SECONDS (1), PERF_UPLOAD_SECONDS (60), PERF_LANG (en),
PERF_DEEP_PAGE (/cabinet/history), PERF_LIGHTHOUSE_CPU_SLOWDOWN (Lighthouse's own 4),
CHROMIUM_PATH (/usr/bin/chromium), PORTAL_SERVER (target/release/server).

Exit status 1 when a figure is over budget or could not be measured (everything is still
printed and written). Needs wrk (apt-get install wrk), node and the end-to-end packages
(scripts/setup.sh test), and Chromium at /usr/bin/chromium. Standard library only.
"""
import argparse
import datetime
import http.client
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
sys.dont_write_bytecode = True  # no scripts/__pycache__ in the tree
import wasm_owners  # noqa: E402

SERVER = os.environ.get("PORTAL_SERVER", os.path.join(ROOT, "target", "release", "server"))
SITE = os.path.join(ROOT, "target", "site")
RESULTS = os.path.join(ROOT, "target", "perf")
SENT_SCRIPT = os.path.join(ROOT, "end2end", "perf", "sent.mjs")
SCALE_SCRIPT = os.path.join(ROOT, "scripts", "perf_scale.py")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
LIGHTHOUSE_PREFIX = os.path.join(ROOT, ".tools", "lighthouse")
LIGHTHOUSE = os.path.join(LIGHTHOUSE_PREFIX, "node_modules", ".bin", "lighthouse")
# 13.x needs Node 22.19; Debian's is 20.
LIGHTHOUSE_VERSION = "12.8.2"

SECONDS = float(os.environ.get("PERF_SECONDS", "5"))
WARMUP_SECONDS = float(os.environ.get("PERF_WARMUP_SECONDS", "1"))
UPLOAD_SECONDS = float(os.environ.get("PERF_UPLOAD_SECONDS", "60"))
LANG = os.environ.get("PERF_LANG", "en")
DEEP_PAGE = os.environ.get("PERF_DEEP_PAGE", "/cabinet/history")
PASSWORD = "Too-Ata jailoo 2026"
KB = 1024
MB = 1024 * 1024

# The budgets of issue 13.
THROUGHPUT = [
    # path, signed in, minimum ratio to /healthz, maximum p99 ms
    ("/healthz", False, None, None),
    ("/", False, 0.15, None),
    ("/login", False, 0.15, None),
    ("/agreement", False, 0.15, 20.0),
    ("/cabinet", True, 0.10, 20.0),
    ("/cabinet/history", True, 0.10, None),
]
SIZE_PUBLIC = ["/", "/login", "/register", "/agreement"]
SIZE_SIGNED_IN = ["/cabinet", DEEP_PAGE]
SIZE_BUDGET = {"first": 350 * KB, "html_css": 50 * KB, "repeat": 30 * KB}
# --guard (CI): the budgets are printed as targets, and the run fails only when a
# figure falls behind what the code already achieves (a regression), with room for a busy
# machine. Pages not yet within a target keep their own, looser ceiling here until they are.
# The cabinet's pages load one module for the whole cabinet (app/src/lib.rs, page_groups!):
# 523 KB on a cold first visit, where one module per page loaded 422-452 KB but every other
# page more; their ceiling moved up with that trade.
GUARD_FIRST = {"/": 250 * KB, "/agreement": 350 * KB, "/login": 420 * KB, "/register": 420 * KB}
GUARD_FIRST_OTHER = 580 * KB
GUARD_RATIO = {"/": 0.12, "/login": 0.12, "/agreement": 0.10, "/cabinet": 0.02, "/cabinet/history": 0.02}
LIGHTHOUSE_PAGES = [("/", False), ("/login", False), ("/register", False), ("/agreement", False),
                    ("/cabinet", True)]
LIGHTHOUSE_CATEGORIES = ["performance", "accessibility", "best-practices"]
LIGHTHOUSE_BUDGET = 95
# Lighthouse slows the CPU 4x to model a mid-range phone, assuming a fast desktop; on a slow
# or busy machine a calibrated smaller multiplier is fairer (its docs: "CPU throttling").
CPU_SLOWDOWN = os.environ.get("PERF_LIGHTHOUSE_CPU_SLOWDOWN", "")
MEMORY_BUDGET = 150 * MB
UPLOAD_CLIENTS = 8
UPLOAD_BYTES = 20_000_000  # "20 MB", within the server's 20 MiB default file limit
DEFAULT_PARTS = ["throughput", "size", "wasm"]
ALL_PARTS = DEFAULT_PARTS + ["lighthouse", "memory", "scale"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kb(n):
    return f"{n / KB:,.1f}"


class Failure(Exception):
    """A part could not measure what it should (not a budget verdict)."""


class Results:
    """Every figure, every budget verdict, and the markdown of each part."""

    def __init__(self, mode):
        self.data = {"when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                     "commit": git_commit(), "mode": mode, "cores": os.cpu_count()}
        self.sections = []  # (title, markdown)
        self.over = []  # budget failures
        self.guard_over = []  # regression-guard failures (--guard)
        self.errors = []  # could not measure

    def section(self, title, markdown, text=None):
        self.sections.append((title, markdown))
        print(f"\n== {title}\n{text if text is not None else markdown}", flush=True)

    def check(self, what, ok, guard_ok=None):
        """Records a budget verdict; `guard_ok` is the regression guard's (the same when None)."""
        if not ok:
            self.over.append(what)
        if not (ok if guard_ok is None else guard_ok):
            self.guard_over.append(what)
        return "ok" if ok else "OVER"

    def error(self, part, message):
        self.errors.append(f"{part}: {message}")
        print(f"\n== {part}: ERROR: {message}", flush=True)

    def write(self):
        os.makedirs(RESULTS, exist_ok=True)
        self.data["over_budget"] = self.over
        self.data["regressions"] = self.guard_over
        self.data["errors"] = self.errors
        with open(os.path.join(RESULTS, "results.json"), "w") as f:
            json.dump(self.data, f, indent=1)
        lines = [f"# Performance, {self.data['when']}", "",
                 f"Commit `{self.data['commit']}`, {self.data['cores']} cores, mode `{self.data['mode']}`.", ""]
        for title, markdown in self.sections:
            lines += [f"## {title}", "", markdown, ""]
        lines.append("## Verdict")
        lines.append("")
        for error in self.errors:
            lines.append(f"- ERROR {error}")
        for over in self.over:
            lines.append(f"- OVER BUDGET {over}")
        if not self.errors and not self.over:
            lines.append("- every figure within budget")
        with open(os.path.join(RESULTS, "results.md"), "w") as f:
            f.write("\n".join(lines) + "\n")


def git_commit():
    try:
        commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        return commit + ("+changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def table(headers, rows, right=None):
    """A markdown table; `right` lists the columns to align right."""
    right = right if right is not None else set(range(1, len(headers)))
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h))
              for i, h in enumerate(headers)]
    cell = lambda i, v: str(v).rjust(widths[i]) if i in right else str(v).ljust(widths[i])
    out = ["| " + " | ".join(cell(i, h) for i, h in enumerate(headers)) + " |",
           "|" + "|".join(("-" * (w + 1) + ":") if i in right else ("-" * (w + 2))
                          for i, w in enumerate(widths)) + "|"]
    out += ["| " + " | ".join(cell(i, v) for i, v in enumerate(r)) + " |" for r in rows]
    return "\n".join(out)


# --- the server ---------------------------------------------------------------------------

def psql(sql):
    subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1",
                    "-c", sql], check=True, capture_output=True, text=True)


class Portal:
    """The release server on a free port, with its own data directory (and database)."""

    def __init__(self, postgres=False, extra=()):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data = tempfile.mkdtemp(prefix="portal-perf-")
        self.database = None
        args = [SERVER, "serve", "--listen", f"127.0.0.1:{self.port}", "--data-dir", self.data,
                "--site-root", SITE, "--attempts-per-address", "100000000", *extra]
        if postgres:
            self.database = f"portal_perf_{os.getpid()}_{self.port}"
            try:
                psql(f"CREATE DATABASE {self.database}")
            except (OSError, subprocess.CalledProcessError) as error:
                shutil.rmtree(self.data, ignore_errors=True)
                detail = getattr(error, "stderr", "") or str(error)
                raise Failure(f"cannot create a PostgreSQL database (is it running?): {detail.strip()}")
            args += ["--database-url", f"postgres://postgres@127.0.0.1:5432/{self.database}"]
        self.log_path = os.path.join(self.data, "server.log")
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(args, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if self.get("/readyz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        said = self.tail()
        self.stop()
        raise Failure("the server did not start" + (f": {said}" if said else ""))

    def tail(self, lines=3):
        self.log.flush()
        with open(self.log_path, errors="replace") as f:
            return " | ".join(f.read().strip().splitlines()[-lines:])

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        shutil.rmtree(self.data, ignore_errors=True)
        if self.database:
            try:
                psql(f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")
            except (OSError, subprocess.CalledProcessError) as error:
                print(f"warning: could not drop the scratch database {self.database}: {error}")

    def request(self, method, path, body=None, headers=None, timeout=60):
        """(status, headers as a lower-cased dict of lists, body bytes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            content = response.read()
            seen = {}
            for name, value in response.getheaders():
                seen.setdefault(name.lower(), []).append(value)
            return response.status, seen, content
        finally:
            conn.close()

    def get(self, path, cookie=None):
        headers = {"Accept": "text/html", "Accept-Language": LANG}
        if cookie:
            headers["Cookie"] = cookie
        return self.request("GET", path, headers=headers)

    def post_form(self, path, form, cookie=None):
        headers = {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded",
                   "Accept-Language": LANG}
        if cookie:
            headers["Cookie"] = cookie
        return self.request("POST", path, urllib.parse.urlencode(form), headers)

    def rss(self):
        """The server's resident set in bytes (VmRSS), or None once it has gone."""
        try:
            with open(f"/proc/{self.process.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            return None
        return None

    def account(self):
        """Registers a new individual (accepting the agreement and the consent, as the
        registration form does) and signs in: the session cookie ('name=value')."""
        # A valid PIN: 2, a birth date (DDMMYYYY, 15.03.1990), five digits.
        pin = f"215031990{random.randrange(100000):05d}"
        status, _, body = self.post_form("/api/account/register", {
            "kind": "individual", "pin": pin, "full_name": "Perf Account",
            "email": f"perf-{pin}@example.kg", "phone": "", "password": PASSWORD,
            "accepts_agreement": "true", "consents_to_personal_data": "true", "agreement_version": "1"})
        if status != 200:
            raise Failure(f"registration answered HTTP {status}: {body[:200]!r}")
        status, headers, body = self.post_form("/api/account/sign-in", {"identifier": pin, "password": PASSWORD})
        for value in headers.get("set-cookie", []):
            name = value.split("=", 1)[0]
            if name.endswith("portal_session") and not value.startswith(name + "=;"):
                return value.split(";", 1)[0]
        raise Failure(f"sign-in gave no session cookie (HTTP {status}): {body[:200]!r}")


# --- throughput ---------------------------------------------------------------------------

def parse_duration_ms(text):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        return None
    value, unit = float(match.group(1)), match.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(url, seconds, cookie=None, connections=32, threads=2):
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--latency",
               "-H", f"Accept-Language: {LANG}", "-H", "Accept: text/html"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    run = subprocess.run(command + [url], capture_output=True, text=True, timeout=seconds + 60)
    out = run.stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    if run.returncode != 0 or not rps or not p99:
        raise Failure(f"wrk on {url} failed: {(run.stderr or out).strip()[:300]}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:\s+(.*)", out)
    total = re.search(r"(\d+) requests in", out)
    return {"rps": float(rps.group(1)), "p99_ms": parse_duration_ms(p99.group(1)),
            "requests": int(total.group(1)) if total else None,
            "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
            "socket_errors": errors.group(1).strip() if errors else ""}


def load_average():
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except (OSError, ValueError):
        return None


def part_throughput(portal, cookie, results):
    runs = []
    loads = [load_average()]
    # /healthz first and last: the reference is their mean, and their spread says how
    # steady the machine was meanwhile.
    plan = THROUGHPUT + [THROUGHPUT[0]]
    for path, signed_in, min_ratio, max_p99 in plan:
        status, _, body = portal.get(path, cookie if signed_in else None)
        if status != 200:
            raise Failure(f"GET {path}{' (signed in)' if signed_in else ''} answered HTTP {status}, not 200")
        url = portal.url + path
        if WARMUP_SECONDS > 0:
            wrk(url, WARMUP_SECONDS, cookie if signed_in else None)
        run = wrk(url, SECONDS, cookie if signed_in else None)
        if run["non_2xx"]:
            raise Failure(f"wrk on {path}: {run['non_2xx']} of {run['requests']} responses were not 2xx/3xx "
                          f"(server log: {portal.tail()})")
        runs.append((path, signed_in, min_ratio, max_p99, len(body), run))
    loads.append(load_average())
    references = [run["rps"] for path, *_, run in runs if path == "/healthz"]
    reference = sum(references) / len(references)
    spread = (max(references) - min(references)) / reference
    rows, figures = [], []
    for index, (path, signed_in, min_ratio, max_p99, html_bytes, run) in enumerate(runs):
        ratio = run["rps"] / reference
        budget, verdicts = [], []
        if min_ratio is not None:
            budget.append(f">= {min_ratio:.2f}x")
            guard = GUARD_RATIO.get(path, min_ratio)
            verdicts.append(results.check(f"throughput {path}: {ratio:.3f}x of /healthz (budget >= {min_ratio}x)",
                                          ratio >= min_ratio, ratio >= guard))
        if max_p99 is not None:
            budget.append(f"p99 <= {max_p99:g} ms")
            # p99 on a shared two-core machine is noise: a target, never a guard.
            verdicts.append(results.check(f"throughput {path}: p99 {run['p99_ms']:.1f} ms (budget <= {max_p99:g} ms)",
                                          run["p99_ms"] <= max_p99, True))
        if path == "/healthz":
            verdict = "reference"
        else:
            verdict = "OVER" if "OVER" in verdicts else "ok"
        if run["socket_errors"]:
            verdict += f" (socket errors: {run['socket_errors']})"
        label = path + (" (signed in)" if signed_in else "")
        if path == "/healthz":
            label += " last" if index else " first"
        rows.append([label, f"{run['rps']:,.0f}", f"{ratio:.3f}x", f"{run['p99_ms']:.1f}", kb(html_bytes),
                     ", ".join(budget) or "-", verdict])
        figures.append({"path": path, "signed_in": signed_in, "html_bytes": html_bytes, "ratio": ratio,
                        "budget_ratio": min_ratio, "budget_p99_ms": max_p99, **run})
    cores = os.cpu_count() or 1
    notes = [f"reference: the mean of /healthz first and last, {reference:,.0f} req/s (they differ by {spread * 100:.0f}%)"]
    # The load before wrk started (afterwards it is wrk's and the server's own).
    busy = loads[0] is not None and loads[0] > cores
    if spread > 0.25 or busy:
        load = "?" if loads[0] is None else f"{loads[0]:.1f}"
        notes.append(f"WARNING: the machine was busy (load average {load} on {cores} cores before the run, "
                     f"/healthz changed {spread * 100:.0f}%): the ratios are unreliable, measure on a quiet machine")
    results.data["throughput"] = {"seconds": SECONDS, "threads": 2, "connections": 32, "reference_rps": reference,
                                  "reference_spread": spread, "load_average": loads, "pages": figures}
    markdown = table(["page", "req/s", "x /healthz", "p99 ms", "HTML KB", "budget", "verdict"], rows, {1, 2, 3, 4})
    markdown += "\n\n" + "\n".join(notes)
    results.section(f"Throughput (wrk -t2 -c32, {SECONDS:g} s a page, Accept-Language: {LANG}, no compression)",
                    markdown)


# --- size as sent -------------------------------------------------------------------------

def part_size(portal, cookie, results):
    if not os.path.isdir(os.path.join(ROOT, "end2end", "node_modules", "@playwright", "test")):
        raise Failure("end2end/node_modules has no @playwright/test: run scripts/setup.sh test "
                      "(or: cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci)")
    if not os.path.exists(CHROMIUM):
        raise Failure(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    out = os.path.join(portal.data, "sent.json")
    run = subprocess.run(["node", SENT_SCRIPT, "--base", portal.url, "--session", cookie, "--lang", LANG,
                          "--public", ",".join(SIZE_PUBLIC), "--signed-in", ",".join(SIZE_SIGNED_IN),
                          "--json", out], capture_output=True, text=True, timeout=600, cwd=ROOT)
    if not os.path.exists(out):
        raise Failure(f"sent.mjs wrote nothing (exit {run.returncode}): {(run.stderr or run.stdout).strip()[-600:]}")
    with open(out) as f:
        sent = json.load(f)
    rows, notes = [], []
    for page in sent["pages"]:
        first, repeat = page["first"], page["repeat"]
        b = first["bytes"]
        label = page["path"] + (" (signed in)" if page["signed_in"] else "")
        over = []
        if b["total"] > SIZE_BUDGET["first"]:
            over.append("first")
        if b["html_css"] > SIZE_BUDGET["html_css"]:
            over.append("html+css")
        if repeat["bytes"]["total"] > SIZE_BUDGET["repeat"]:
            over.append("repeat")
        for what, value, limit in (("first visit", b["total"], SIZE_BUDGET["first"]),
                                   ("HTML+CSS", b["html_css"], SIZE_BUDGET["html_css"]),
                                   ("repeat visit", repeat["bytes"]["total"], SIZE_BUDGET["repeat"])):
            guard = limit
            if what == "first visit":
                guard = GUARD_FIRST.get(page["path"], GUARD_FIRST_OTHER)
            results.check(f"size {label}: {what} {kb(value)} KB (budget <= {kb(limit)} KB)", value <= limit,
                          value <= guard)
        problems = first["problems"] + [f"repeat: {p}" for p in repeat["problems"]]
        if problems:
            results.errors.append(f"size {label}: " + "; ".join(problems))
        verdict = ("OVER " + ", ".join(over)) if over else "ok"
        if problems:
            verdict = "ERROR " + verdict
        rows.append([label, kb(b["total"]), kb(b["html_css"]), kb(b["js"]), f"{kb(b['wasm'])} ({first['wasm_files']})",
                     kb(b["other"]), f"{first['requests']}", kb(repeat["bytes"]["total"]), verdict])
        for p in problems:
            notes.append(f"{label}: {p}")
        for w in dict.fromkeys(first["warnings"] + repeat["warnings"]):
            notes.append(f"{label}: warning: {w[:200]}")
        encodings = ", ".join(first["encodings"])
        notes.append(f"{label}: response headers {kb(b.get('headers', 0))} KB of the first visit; "
                     f"encodings {encodings}; repeat visit: " + describe_repeat(repeat))
    budget = (f"budget: first visit <= {kb(SIZE_BUDGET['first'])} KB, HTML+CSS <= {kb(SIZE_BUDGET['html_css'])} KB, "
              f"repeat <= {kb(SIZE_BUDGET['repeat'])} KB (1 KB = 1024 B, bytes on the wire incl. headers)")
    markdown = table(["page", "first KB", "HTML+CSS", "JS", "wasm (files)", "other", "requests", "repeat KB", "verdict"],
                     rows, {1, 2, 3, 4, 5, 6, 7}) + "\n\n" + budget
    notes_text = "\n".join(f"- {n}" for n in notes)
    results.data["size"] = sent
    results.section(f"Size as sent (Chromium, phone 360x740, {LANG})", markdown + "\n\n" + notes_text,
                    markdown + "\n" + "\n".join("  " + n for n in notes))


def describe_repeat(repeat):
    """What a repeat visit still downloaded: the few largest."""
    sent = sorted((r for r in repeat["resources"] if r["bytes"] > 0), key=lambda r: -r["bytes"])
    if not sent:
        return "nothing"
    shown = ", ".join(f"{r['url'].split('?')[0][-40:]} {kb(r['bytes'])} KB ({r['status']})" for r in sent[:3])
    more = f" and {len(sent) - 3} more" if len(sent) > 3 else ""
    return shown + more


# --- wasm attribution ---------------------------------------------------------------------

def part_wasm(results):
    found = wasm_owners.report()
    results.data["wasm"] = found
    text = wasm_owners.format_report(found)
    if not found["attribution"]:
        raise Failure("no wasm module to attribute: " + "; ".join(found["notes"]))
    results.section("Wasm: who owns each KB", "```\n" + text + "\n```", text)


# --- Lighthouse ---------------------------------------------------------------------------

def ensure_lighthouse():
    if os.path.exists(LIGHTHOUSE):
        return
    print(f"installing lighthouse {LIGHTHOUSE_VERSION} into {os.path.relpath(LIGHTHOUSE_PREFIX, ROOT)}", flush=True)
    run = subprocess.run(["npm", "install", "--prefix", LIGHTHOUSE_PREFIX, "--no-audit", "--no-fund", "--silent",
                          f"lighthouse@{LIGHTHOUSE_VERSION}"], capture_output=True, text=True)
    if run.returncode != 0 or not os.path.exists(LIGHTHOUSE):
        raise Failure(f"cannot install lighthouse: {run.stderr.strip()[-300:]}")


def failing_audits(lhr, category, limit=5):
    """The weighted audits of a category that lost points, the costliest first."""
    audits = lhr["audits"]
    lost = []
    for ref in lhr["categories"][category]["auditRefs"]:
        audit = audits.get(ref["id"], {})
        score = audit.get("score")
        if ref.get("weight", 0) > 0 and score is not None and score < 0.9 \
                and audit.get("scoreDisplayMode") not in ("notApplicable", "informative", "manual"):
            lost.append((ref["weight"] * (1 - score), ref["id"], audit.get("title", ""), audit.get("displayValue", "")))
    if category == "performance":
        # The opportunities say where the time goes.
        for audit_id, audit in audits.items():
            details = audit.get("details") or {}
            saving = details.get("overallSavingsMs") or 0
            if details.get("type") == "opportunity" and saving >= 100:
                lost.append((saving / 1000.0, audit_id, audit.get("title", ""), f"saves ~{saving:.0f} ms"))
    lost.sort(key=lambda item: -item[0])
    return [{"id": i, "title": t, "value": v} for _, i, t, v in lost[:limit]]


def short_url(url):
    """A file's name, a page's path, or Lighthouse's word ('Unattributable')."""
    path = urllib.parse.urlsplit(url).path
    if not path or not url.startswith("http"):
        return url
    return path.rsplit("/", 1)[-1] if path.startswith("/pkg/") else path


def part_lighthouse(portal, cookie, results):
    ensure_lighthouse()
    rows, figures, notes = [], [], []
    warnings = {}  # a warning, once, with the first page that gave it
    out_dir = os.path.join(RESULTS, "lighthouse")
    os.makedirs(out_dir, exist_ok=True)
    env = dict(os.environ, CHROME_PATH=CHROMIUM)
    for path, signed_in in LIGHTHOUSE_PAGES:
        label = path + (" (signed in)" if signed_in else "")
        headers = {"Accept-Language": LANG}
        if signed_in:
            # Chromium drops a Cookie header of --extra-headers as soon as its own jar holds
            # a cookie for the site, and the server would set the language cookie on the
            # first answer: sending it too keeps the jar empty and the session on every request.
            headers["Cookie"] = f"{cookie}; portal_lang={LANG}"
        name = "root" if path == "/" else path.strip("/").replace("/", "-")
        report_path = os.path.join(out_dir, f"{name}.json")
        if os.path.exists(report_path):
            os.remove(report_path)
        command = [LIGHTHOUSE, portal.url + path, "--output=json", f"--output-path={report_path}",
                   f"--only-categories={','.join(LIGHTHOUSE_CATEGORIES)}", "--quiet",
                   "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
                   f"--extra-headers={json.dumps(headers)}", "--max-wait-for-load=60000"]
        if CPU_SLOWDOWN:
            command.append(f"--throttling.cpuSlowdownMultiplier={CPU_SLOWDOWN}")
        run = subprocess.run(command, capture_output=True, text=True, env=env, timeout=400)
        if not os.path.exists(report_path):
            results.errors.append(f"lighthouse {label}: no report (exit {run.returncode}): {run.stderr.strip()[-300:]}")
            rows.append([label, "-", "-", "-", "ERROR"])
            continue
        with open(report_path) as f:
            lhr = json.load(f)
        if lhr.get("runtimeError"):
            results.errors.append(f"lighthouse {label}: {lhr['runtimeError'].get('message', lhr['runtimeError'])}")
        final = lhr.get("finalDisplayedUrl") or lhr.get("finalUrl") or ""
        if urllib.parse.urlsplit(final).path != path:
            results.errors.append(f"lighthouse {label}: ended at {final}")
        scores, verdict, failing = {}, [], {}
        for category in LIGHTHOUSE_CATEGORIES:
            raw = lhr["categories"][category]["score"]
            score = None if raw is None else round(raw * 100)
            scores[category] = score
            ok = score is not None and score >= LIGHTHOUSE_BUDGET
            results.check(f"lighthouse {label}: {category} {score} (budget >= {LIGHTHOUSE_BUDGET})", ok)
            if not ok:
                verdict.append(category)
                failing[category] = failing_audits(lhr, category)
        metrics = {key: lhr["audits"][key].get("displayValue", "") for key in
                   ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time",
                    "cumulative-layout-shift", "speed-index") if key in lhr["audits"]}
        rows.append([label, *(str(scores[c]) for c in LIGHTHOUSE_CATEGORIES),
                     ("OVER " + ", ".join(verdict)) if verdict else "ok"])
        notes.append(f"{label}: " + ", ".join(f"{k.replace('-', ' ')} {v}" for k, v in metrics.items()))
        if "performance" in failing:
            lcp = ((lhr["audits"].get("largest-contentful-paint-element") or {}).get("details") or {}).get("items", [])
            try:
                node = lcp[0]["items"][0]["node"]
                phases = {p["phase"]: p["timing"] for p in lcp[1]["items"]}
                notes.append(f"{label}: LCP element `{node.get('selector', '?')}`, "
                             + ", ".join(f"{k.lower()} {v:.0f} ms" for k, v in phases.items() if v))
            except (IndexError, KeyError, TypeError):
                pass
            tasks = ((lhr["audits"].get("long-tasks") or {}).get("details") or {}).get("items", [])
            if tasks:
                notes.append(f"{label}: longest main-thread tasks: " + ", ".join(
                    f"{short_url(t.get('url', '?'))} "
                    f"{t.get('duration', 0):.0f} ms" for t in tasks[:3]))
        for category, audits in failing.items():
            for audit in audits:
                value = f" ({audit['value']})" if audit["value"] else ""
                notes.append(f"{label}: {category} loses on `{audit['id']}`: {audit['title']}{value}")
        for warning in lhr.get("runWarnings", []):
            warnings.setdefault(re.sub(r"\s+", " ", warning.split("(http")[0].split("[")[0]).strip()[:160], label)
        benchmark = (lhr.get("environment") or {}).get("benchmarkIndex")
        figures.append({"path": path, "signed_in": signed_in, "scores": scores, "metrics": metrics,
                        "failing": failing, "report": os.path.relpath(report_path, ROOT),
                        "version": lhr.get("lighthouseVersion"), "benchmark_index": benchmark})
    results.data["lighthouse"] = figures
    markdown = table(["page", "performance", "accessibility", "best practices", "verdict"], rows, {1, 2, 3})
    benchmarks = [f["benchmark_index"] for f in figures if f.get("benchmark_index")]
    markdown += (f"\n\nbudget >= {LIGHTHOUSE_BUDGET} each; CPU slowdown {CPU_SLOWDOWN or '4 (default)'}; "
                 f"this machine's benchmark index {min(benchmarks, default=0):.0f}-{max(benchmarks, default=0):.0f} "
                 f"(Lighthouse's phone model assumes a desktop near 1000+ when slowing down 4x); "
                 f"reports in {os.path.relpath(out_dir, ROOT)}/\n\n")
    notes += [f"lighthouse warning ({label} and maybe others): {w}" for w, label in warnings.items()]
    markdown += "\n".join(f"- {n}" for n in notes)
    results.section(f"Lighthouse {LIGHTHOUSE_VERSION} (mobile, simulated throttling)", markdown,
                    markdown.replace("\n- ", "\n  "))


# --- memory -------------------------------------------------------------------------------

def multipart(boundary):
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"document\"; filename=\"perf.pdf\"\r\n"
            "Content-Type: application/pdf\r\n\r\n").encode()
    content = b"%PDF-1.7\n" + os.urandom(UPLOAD_BYTES - 9)
    return head + content + f"\r\n--{boundary}--\r\n".encode()


def part_memory(postgres, results):
    portal = Portal(postgres, ["--max-account-documents", "100000", "--max-account-documents-mb", "100000"])
    try:
        time.sleep(1)
        at_start = portal.rss()
        # One account per uploader (each registration and sign-in is an Argon2 hash).
        cookies = [portal.account() for _ in range(UPLOAD_CLIENTS)]
        boundary = "perf-boundary-7MA4YWxkTrZu0gW"
        body = multipart(boundary)
        samples = []  # (seconds since start, rss)
        stop_sampling = threading.Event()
        began = time.monotonic()

        def sampler():
            while not stop_sampling.is_set():
                rss = portal.rss()
                if rss is not None:
                    samples.append((time.monotonic() - began, rss))
                stop_sampling.wait(0.5)

        sampling = threading.Thread(target=sampler, daemon=True)
        sampling.start()
        time.sleep(2)
        before = portal.rss()
        counts = {"stored": 0, "failed": 0, "deleted": 0}
        failures = []
        lock = threading.Lock()
        stop = time.monotonic() + UPLOAD_SECONDS

        def uploader(cookie):
            while time.monotonic() < stop:
                try:
                    status, headers, _ = portal.request("POST", "/cabinet/documents/upload", body, {
                        "Cookie": cookie, "Accept": "text/html",
                        "Content-Type": f"multipart/form-data; boundary={boundary}"}, timeout=120)
                except OSError as error:
                    status, headers = None, {"error": [str(error)]}
                location = (headers.get("location") or [""])[0]
                stored = re.search(r"uploaded=(\d+)", location)
                with lock:
                    if stored:
                        counts["stored"] += 1
                    else:
                        counts["failed"] += 1
                        failures.append(f"{status} {location or headers.get('error', [''])[0]}")
                if stored:
                    # Delete it again, so a minute of uploads does not fill the disk.
                    try:
                        status, _, _ = portal.post_form("/api/cabinet/documents/delete", {"id": stored.group(1)}, cookie)
                    except OSError:
                        status = None
                    if status in (200, 204, 303):
                        with lock:
                            counts["deleted"] += 1

        load_started = time.monotonic() - began
        pages = [subprocess.Popen(["wrk", "-t1", "-c16", f"-d{UPLOAD_SECONDS:g}s", "-H", f"Accept-Language: {LANG}",
                                   portal.url + path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for path in ("/", "/agreement")]
        try:
            threads = [threading.Thread(target=uploader, args=(c,)) for c in cookies]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wrk_out = [p.communicate(timeout=UPLOAD_SECONDS + 60)[0] for p in pages]
        finally:
            for page_load in pages:
                if page_load.poll() is None:
                    page_load.kill()
                    page_load.wait()
        load_ended = time.monotonic() - began
        time.sleep(10)
        after = portal.rss()
        stop_sampling.set()
        sampling.join()
        if portal.process.poll() is not None:
            raise Failure(f"the server died under the load: {portal.tail()}")
    finally:
        portal.stop()
    during = [rss for t, rss in samples if load_started <= t <= load_ended]
    peak = max(rss for _, rss in samples)
    page_rps = [re.search(r"Requests/sec:\s+([\d.]+)", out) for out in wrk_out]
    uploaded_mb = counts["stored"] * UPLOAD_BYTES / MB
    seconds = load_ended - load_started
    results.data["memory"] = {
        "at_start": at_start, "before": before, "peak": peak,
        "peak_during_load": max(during) if during else None, "after_10s": after,
        "budget_peak": MEMORY_BUDGET, "uploads": counts, "upload_mb_per_s": uploaded_mb / seconds,
        "load_seconds": seconds, "page_rps": [float(m.group(1)) if m else None for m in page_rps],
        "samples": [(round(t, 1), rss) for t, rss in samples], "upload_failures": failures[:10]}
    verdict = results.check(f"memory: peak RSS {peak / MB:.0f} MB (budget <= {MEMORY_BUDGET / MB:.0f} MB)",
                            peak <= MEMORY_BUDGET)
    if not counts["stored"]:
        results.errors.append(f"memory: no upload was stored ({', '.join(failures[:3])})")
    rows = [["at start, idle", f"{at_start / MB:.0f}", "-", ""],
            [f"after {UPLOAD_CLIENTS} registrations and sign-ins", f"{before / MB:.0f}", "-", ""],
            ["peak (load and the 10 s after)", f"{peak / MB:.0f}", f"<= {MEMORY_BUDGET / MB:.0f}", verdict],
            ["10 s after", f"{after / MB:.0f}", "-", ""]]
    rps = " and ".join(f"{m.group(1)} req/s" if m else "?" for m in page_rps)
    summary = (f"{seconds:.0f} s of wrk on / and /agreement ({rps}) plus {UPLOAD_CLIENTS} clients uploading "
               f"{UPLOAD_BYTES / 1e6:.0f} MB files: {counts['stored']} stored ({uploaded_mb / seconds:.0f} MB/s), "
               f"{counts['failed']} failed, {counts['deleted']} deleted again; RSS sampled every 0.5 s")
    if failures:
        summary += f"\n\nfirst failures: {', '.join(failures[:3])}"
    markdown = table(["server RSS", "MB", "budget", "verdict"], rows, {1}) + "\n\n" + summary
    results.section("Memory under mixed load", markdown)


# --- scale (someone else's script) ----------------------------------------------------------

def part_scale(postgres, results):
    if not os.path.exists(SCALE_SCRIPT):
        results.section("Scale", f"skipped: {os.path.relpath(SCALE_SCRIPT, ROOT)} does not exist yet")
        return
    env = dict(os.environ, PERF_SERVER=SERVER, PERF_SITE_ROOT=SITE, PERF_RESULTS_DIR=RESULTS,
               PERF_POSTGRES="1" if postgres else "0")
    print(f"\n== Scale ({os.path.relpath(SCALE_SCRIPT, ROOT)}, its output as it comes)", flush=True)
    process = subprocess.Popen([sys.executable, SCALE_SCRIPT], stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    lines = []
    for line in process.stdout:
        print("  " + line, end="", flush=True)
        lines.append(line)
    returncode = process.wait()
    output = "".join(lines).strip()
    results.data["scale"] = {"exit": returncode, "stdout": output}
    if returncode != 0:
        results.over.append(f"scale: {os.path.basename(SCALE_SCRIPT)} exited {returncode} (see its output above)")
    results.sections.append(("Scale", "```\n" + output + "\n```"))


# --- the command --------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description="Measures a release build against the budgets of issue 13.")
    parser.add_argument("--full", action="store_true", help="also Lighthouse, memory under load and scale")
    parser.add_argument("--scale", action="store_true", help="also run scripts/perf_scale.py")
    parser.add_argument("--parts", help=f"comma-separated, any of: {', '.join(ALL_PARTS)}")
    parser.add_argument("--postgres", action="store_true", help="run the server on a scratch PostgreSQL database")
    parser.add_argument("--guard", action="store_true",
                        help="fail only on regressions (GUARD_* ceilings); the issue's budgets are printed as targets")
    args = parser.parse_args()
    parts = list(ALL_PARTS if args.full else DEFAULT_PARTS)
    if args.parts:
        parts = [p.strip() for p in args.parts.split(",") if p.strip()]
        unknown = [p for p in parts if p not in ALL_PARTS]
        if unknown:
            parser.error(f"unknown part(s): {', '.join(unknown)}")
    if args.scale and "scale" not in parts:
        parts.append("scale")

    needs_server = {"throughput", "size", "lighthouse", "memory"} & set(parts)
    if needs_server and not os.path.exists(SERVER):
        print(f"missing {SERVER}: make a release build first (cargo leptos build --release)")
        return 1
    if {"throughput", "memory"} & set(parts) and not shutil.which("wrk"):
        print("wrk is not installed: apt-get install -y wrk (scripts/setup.sh test installs it)")
        return 1
    if ("size" in parts or "lighthouse" in parts) and not shutil.which("node"):
        print("node is not installed: scripts/setup.sh test installs it")
        return 1

    results = Results(",".join(parts) + (" postgres" if args.postgres else " sqlite"))
    started = time.monotonic()
    print(f"Performance: {', '.join(parts)} ({'PostgreSQL' if args.postgres else 'SQLite'}, "
          f"{os.cpu_count()} cores, commit {results.data['commit']})", flush=True)
    portal = None
    try:
        shared = [p for p in ("throughput", "size", "lighthouse") if p in parts]
        if shared:
            try:
                portal = Portal(args.postgres)
                cookie = portal.account()
            except Failure as error:
                for part in shared:
                    results.error(part, str(error))
                shared = []
            for part in shared:
                try:
                    {"throughput": part_throughput, "size": part_size, "lighthouse": part_lighthouse}[part](
                        portal, cookie, results)
                except (Failure, subprocess.TimeoutExpired, OSError) as error:
                    results.error(part, str(error))
            if portal:
                portal.stop()
                portal = None
        if "wasm" in parts:
            try:
                part_wasm(results)
            except Failure as error:
                results.error("wasm", str(error))
        if "memory" in parts:
            try:
                part_memory(args.postgres, results)
            except (Failure, subprocess.TimeoutExpired, OSError) as error:
                results.error("memory", str(error))
        if "scale" in parts:
            part_scale(args.postgres, results)
    finally:
        if portal:
            portal.stop()
        results.data["seconds"] = round(time.monotonic() - started, 1)
        results.write()

    print(f"\nResults: {os.path.relpath(RESULTS, ROOT)}/results.md and results.json "
          f"({results.data['seconds']:.0f} s)")
    for error in results.errors:
        print(f"ERROR {error}")
    for over in results.over:
        print(f"{'TARGET NOT MET' if args.guard else 'OVER BUDGET'} {over}")
    if args.guard:
        for over in results.guard_over:
            print(f"REGRESSION {over}")
        if results.errors or results.guard_over:
            return 1
        print("no regression" + (" (targets not met above)" if results.over else ""))
        return 0
    if results.errors or results.over:
        return 1
    print("every figure within budget")
    return 0


if __name__ == "__main__":
    sys.exit(main())
