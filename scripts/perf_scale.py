#!/usr/bin/env python3
"""Scale check (issue 13, "Scale"): do the signed-in cabinet and the history page stay fast
when the database holds a country's worth of accounts?

For each backend (PostgreSQL, then SQLite):
1. a fresh database, migrated by `server migrate`; the release server is started on it and
   one real account is registered and signed in over HTTP: the measured user. The latency of
   GET /cabinet, GET /cabinet/history and a deep history page (?page=N, N = the last full
   page of the user's seeded history) is measured on this EMPTY database (where the deep
   page is clamped to page 1), plus, for information only, the filtered history
   (?group=documents);
2. the server stops; the database is copied (PostgreSQL: CREATE DATABASE ... TEMPLATE;
   SQLite: the backup API) and the copy is seeded in the database itself with batched
   INSERT ... SELECT over generated series: accounts (unique PINs, INNs, emails; the
   measured user's real Argon2 hash shared), two acceptance records, sessions, a service
   link and inbox messages per account, history events spread over the accounts (the
   measured user gets SCALE_USER_EVENTS of them, spread over the whole table, so the deep
   page is deep) and documents' metadata (the measured user gets SCALE_USER_DOCUMENTS).
   Then VACUUM ANALYZE (PostgreSQL) / ANALYZE (SQLite). Seeding times are printed;
3. two servers run side by side, one on the empty database and one on the seeded copy, and
   the same pages are requested alternately from each (so a build or anything else running
   on the machine weighs on both alike): p50/p99 per page, the ratio seeded/empty and the
   budget (seeded p50 <= 1.5 x empty p50);
4. the statements the pages issue are captured (PostgreSQL: log_min_duration_statement = 0
   set on the scratch database for one more server start, read back from the server log;
   SQLite: the same statements) and explained with the measured user's values:
   EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL, EXPLAIN QUERY PLAN on SQLite. A plan that reads
   a big table sequentially or filters away many rows is flagged.

Figures and full plans go to target/perf/scale.md. Exit status 1 when a budget fails.

Environment (defaults in brackets):
  SCALE_BACKENDS            postgres,sqlite
  SCALE_ACCOUNTS            PostgreSQL accounts [1000000]
  SCALE_EVENTS              PostgreSQL history events [10000000]
  SCALE_DOCUMENTS           PostgreSQL documents [1000000]
  SCALE_SQLITE_ACCOUNTS     [100000]  SCALE_SQLITE_EVENTS [1000000]  SCALE_SQLITE_DOCUMENTS [100000]
  SCALE_DIVISOR             divides all six sizes (100 for a quick run) [1]
  SCALE_USER_EVENTS         the measured user's seeded events [5000]
  SCALE_USER_DOCUMENTS      the measured user's documents [20]
  SCALE_REQUESTS            measured requests per page and server [300]
  SCALE_WARMUP              warm-up requests per page and server [30]
  SCALE_BATCH               rows per INSERT batch [100000]
  SCALE_PG_URL              postgres://postgres@127.0.0.1:5432 (trust auth; psql on PATH)
  SCALE_PG_LOG              the PostgreSQL server log [newest /var/log/postgresql/*.log]
  SCALE_KEEP=1              keep the scratch databases and directories (printed)
  SCALE_BUDGET_RATIO        [1.5]

Standard library, psql and the server binary only (SQLite through Python's sqlite3).
"""
import glob
import http.client
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER = os.path.join(ROOT, "target", "release", "server")
SITE = os.path.join(ROOT, "target", "site")
RESULTS = os.path.join(ROOT, "target", "perf", "scale.md")

env = os.environ.get
DIVISOR = max(1, int(env("SCALE_DIVISOR", "1")))
SIZES = {
    "postgres": (int(env("SCALE_ACCOUNTS", "1000000")) // DIVISOR,
                 int(env("SCALE_EVENTS", "10000000")) // DIVISOR,
                 int(env("SCALE_DOCUMENTS", "1000000")) // DIVISOR),
    "sqlite": (int(env("SCALE_SQLITE_ACCOUNTS", "100000")) // DIVISOR,
               int(env("SCALE_SQLITE_EVENTS", "1000000")) // DIVISOR,
               int(env("SCALE_SQLITE_DOCUMENTS", "100000")) // DIVISOR),
}
USER_EVENTS = int(env("SCALE_USER_EVENTS", "5000"))
USER_DOCUMENTS = int(env("SCALE_USER_DOCUMENTS", "20"))
REQUESTS = int(env("SCALE_REQUESTS", "300"))
WARMUP = int(env("SCALE_WARMUP", "30"))
BATCH = int(env("SCALE_BATCH", "100000"))
PG_URL = env("SCALE_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
KEEP = env("SCALE_KEEP", "") == "1"
BUDGET_RATIO = float(env("SCALE_BUDGET_RATIO", "1.5"))
BACKENDS = [b.strip() for b in env("SCALE_BACKENDS", "postgres,sqlite").split(",") if b.strip()]

PER_PAGE = 20  # app/src/pages/history.rs
PASSWORD = "Too-Ata jailoo 2026"
USER_PIN = "11503199000001"  # seeded PINs start with 2: no collision
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) perf-scale/1.0"
SESSIONS_PER_ACCOUNT = 2
INBOX_PER_ACCOUNT = 2
USER_SESSIONS = 50
USER_INBOX = 40
# Pages measured: (label, path). The deep page is set once the sizes are known.
DEEP_PAGE = max(1, -(-USER_EVENTS // PER_PAGE))
PAGES = [
    ("/cabinet", "/cabinet"),
    ("/cabinet/history", "/cabinet/history"),
    (f"history ?page={DEEP_PAGE}", f"/cabinet/history?page={DEEP_PAGE}"),
    # Not one of the budgeted pages: the history's filter, measured for information.
    ("history ?group=documents", "/cabinet/history?group=documents"),
]
BUDGETED = {label for label, _ in PAGES[:3]}
MARKERS = {"/cabinet": 'data-testid="account-name"', "/cabinet/history": 'class="records"'}

# Event kinds, weighted over 20 slots (a sign-in and its exit dominate).
EVENT_KINDS = (["signed_in"] * 7 + ["exit"] * 3 + ["document_downloaded"] * 2
               + ["document_uploaded"] * 2 + ["sign_in_failed", "password_changed",
                  "contact_changed", "agreement_accepted", "data_exported", "operator_message"])
USER_AGENTS = [
    "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
]
YEAR = 365 * 86400

started_processes = []
report = []  # markdown lines


def say(line=""):
    print(line, flush=True)


def md(line=""):
    report.append(line)


# ---------------------------------------------------------------- HTTP and the server


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, body=None, cookie=None, accept="text/html", conn=None):
    own = conn is None
    if own:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Accept": accept, "User-Agent": USER_AGENT, "Accept-Language": "en"}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if cookie:
        headers["Cookie"] = cookie
    started = time.perf_counter()
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    elapsed = time.perf_counter() - started
    if own:
        conn.close()
    return response, data, elapsed


def session_cookie(response):
    for name, value in response.getheaders():
        if name.lower() == "set-cookie" and value.startswith("portal_session="):
            return value.split(";", 1)[0]
    return None


class Server:
    def __init__(self, tag, data_dir, database_url=None):
        self.tag, self.data_dir, self.database_url = tag, data_dir, database_url
        self.port = None
        self.process = None
        self.cookie = None
        self.conn = None

    def args(self, command):
        args = [SERVER, command, "--data-dir", self.data_dir, "--site-root", SITE]
        if self.database_url:
            args += ["--database-url", self.database_url]
        return args

    def migrate(self):
        out = subprocess.run(self.args("migrate"), capture_output=True, text=True)
        if out.returncode != 0:
            raise SystemExit(f"{self.tag}: migrate failed: {out.stderr.strip()[-2000:]}")

    def start(self):
        self.port = free_port()
        log = open(os.path.join(self.data_dir, "server.log"), "a")
        self.process = subprocess.Popen(
            self.args("serve") + ["--listen", f"127.0.0.1:{self.port}",
                                  "--attempts-per-address", "100000000"],
            stdout=log, stderr=log)
        log.close()
        started_processes.append(self.process)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.tag}: the server exited ({self.process.returncode}); "
                                 f"see {self.data_dir}/server.log")
            try:
                if request(self.port, "GET", "/readyz")[0].status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise SystemExit(f"{self.tag}: the server did not become ready")

    def stop(self):
        if self.conn:
            self.conn.close()
            self.conn = None
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process in started_processes:
            started_processes.remove(self.process)
        self.process = None

    def register(self, agreement_version):
        form = urllib.parse.urlencode({
            "kind": "individual", "pin": USER_PIN, "full_name": "Measured Scale-User",
            "email": "measured@example.kg", "phone": "", "password": PASSWORD,
            "accepts_agreement": "true", "consents_to_personal_data": "true",
            "agreement_version": str(agreement_version),
        })
        response, data, _ = request(self.port, "POST", "/api/account/register", form,
                                    accept="application/json")
        if response.status != 200:
            raise SystemExit(f"{self.tag}: registration failed: HTTP {response.status} {data[:300]!r}")

    def sign_in(self):
        form = urllib.parse.urlencode({"identifier": USER_PIN, "password": PASSWORD})
        response, data, _ = request(self.port, "POST", "/api/account/sign-in", form,
                                    accept="application/json")
        self.cookie = session_cookie(response)
        if self.cookie is None:
            raise SystemExit(f"{self.tag}: sign-in failed: HTTP {response.status} {data[:300]!r}")

    def get(self, path):
        """One signed-in page request on a kept-alive connection: (seconds, status, body)."""
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            try:
                response, data, elapsed = request(self.port, "GET", path, cookie=self.cookie,
                                                  conn=self.conn)
                if response.getheader("connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return elapsed, response.status, data
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def check_page(server, label, path, seeded):
    _, status, body = server.get(path)
    text = body.decode("utf-8", "replace")
    marker = MARKERS["/cabinet" if path == "/cabinet" else "/cabinet/history"]
    if status != 200 or marker not in text:
        raise SystemExit(f"{server.tag}: {path} answered {status} without {marker!r} "
                         f"(signed out? agreement gate?): {text[:300]!r}")
    events = text.count('data-testid="event"')
    if path.startswith("/cabinet/history") and seeded and events != PER_PAGE:
        raise SystemExit(f"{server.tag}: {path} shows {events} events, expected {PER_PAGE}")


def percentile(values, p):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
    return ordered[index]


def measure(servers, seeded_flags):
    """Alternates requests between `servers`, page by page: {tag: {label: [seconds]}}."""
    result = {s.tag: {} for s in servers}
    for label, path in PAGES:
        for server, seeded in zip(servers, seeded_flags):
            check_page(server, label, path, seeded)
        for _ in range(WARMUP):
            for server in servers:
                server.get(path)
        samples = {s.tag: [] for s in servers}
        for _ in range(REQUESTS):
            for server in servers:
                elapsed, status, _ = server.get(path)
                if status != 200:
                    raise SystemExit(f"{server.tag}: {path} answered {status}")
                samples[server.tag].append(elapsed)
        for server in servers:
            result[server.tag][label] = samples[server.tag]
    return result


def ms(seconds):
    return seconds * 1000.0


# ---------------------------------------------------------------- databases


class Postgres:
    name = "postgres"

    def __init__(self, database):
        self.database = database

    @staticmethod
    def psql(database, sql, tuples=True, check=True):
        args = ["psql", f"{PG_URL}/{database}", "-X", "-q", "-v", "ON_ERROR_STOP=1"]
        if tuples:
            args += ["-A", "-t", "-F", "\t"]
        out = subprocess.run(args + ["-c", sql], capture_output=True, text=True)
        if check and out.returncode != 0:
            raise SystemExit(f"psql ({database}) failed: {out.stderr.strip()[:2000]}\nSQL: {sql[:500]}")
        return out.stdout

    def query(self, sql):
        return [line.split("\t") for line in self.psql(self.database, sql).splitlines() if line]

    def execute(self, sql):
        self.psql(self.database, "SET synchronous_commit = off; " + sql)

    # dialect
    @staticmethod
    def series(lo, hi):
        return "", f"generate_series({lo}::bigint, {hi}::bigint) AS s(g)"

    @staticmethod
    def hex64(expr, salt):
        return f"md5('{salt}a' || ({expr})) || md5('{salt}b' || ({expr}))"

    @staticmethod
    def hex32(expr, salt):
        return f"md5('{salt}' || ({expr}))"

    @staticmethod
    def pad(expr, width):
        return f"lpad(({expr})::text, {width}, '0')"

    @staticmethod
    def text(expr):
        return f"({expr})::text"

    @staticmethod
    def ts(seconds_expr):
        return f"(timestamptz 'epoch' + ({seconds_expr}) * interval '1 second')"


class Sqlite:
    name = "sqlite"

    def __init__(self, path):
        self.path = path
        self.connection = None

    def connect(self):
        if self.connection is None:
            self.connection = sqlite3.connect(self.path, isolation_level=None)
            self.connection.execute("PRAGMA cache_size = -500000")
        return self.connection

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def query(self, sql):
        return [[("" if v is None else str(v)) for v in row] for row in self.connect().execute(sql)]

    def execute(self, sql):
        db = self.connect()
        db.execute("PRAGMA synchronous = OFF")
        db.execute("BEGIN")
        db.execute(sql)
        db.execute("COMMIT")

    @staticmethod
    def series(lo, hi):
        return (f"WITH RECURSIVE s(g) AS (SELECT {lo} UNION ALL SELECT g + 1 FROM s WHERE g < {hi}) ",
                "s")

    @staticmethod
    def hex64(expr, salt):
        n = sum(map(ord, salt))
        return (f"printf('%016x%016x%016x%016x', ({expr}) * 2654435761 + {n}, ({expr}) * 40503 + {n},"
                f" ({expr}) * 69069 + {n}, {expr})")

    @staticmethod
    def hex32(expr, salt):
        n = sum(map(ord, salt))
        return f"printf('%016x%016x', ({expr}) * 2654435761 + {n}, {expr})"

    @staticmethod
    def pad(expr, width):
        return f"printf('%0{width}d', {expr})"

    @staticmethod
    def text(expr):
        return f"CAST(({expr}) AS TEXT)"

    def ts(self, seconds_expr):
        # The server writes chrono's RFC 3339 (sqlx); the seeding writes the same shape.
        return f"strftime('%Y-%m-%dT%H:%M:%S+00:00', {seconds_expr}, 'unixepoch')"


def pick(expr, choices):
    """CASE expr % len(choices) WHEN 0 THEN choices[0] ... as an SQL expression."""
    whens = " ".join(f"WHEN {i} THEN '{c}'" for i, c in enumerate(choices))
    return f"(CASE ({expr}) % {len(choices)} {whens} END)"


# ---------------------------------------------------------------- seeding


def seed(db, accounts, events, documents, user_id, say_progress):
    """Seeds `db` (one database of `db.name`'s dialect) around the measured user `user_id`.
    Returns [(table, rows, seconds)]."""
    d = db
    base = int(d.query("SELECT max(id) FROM account")[0][0])
    existing = int(d.query("SELECT count(*) FROM account")[0][0])
    n_accounts = max(0, accounts - existing)
    now = int(time.time())
    user = user_id
    sql_hash = f"(SELECT password_hash FROM account WHERE id = {user})"
    version, language, sha, wording_a, wording_p = d.query(
        "SELECT agreement_version, language, text_sha256, wording, "
        f"(SELECT wording FROM acceptance_record WHERE kind = 'pd_consent_given' AND subject = a.subject) "
        f"FROM acceptance_record a WHERE kind = 'agreement_accepted' "
        f"AND subject = (SELECT subject FROM account WHERE id = {user})")[0]

    def quote(text):
        return "'" + text.replace("'", "''") + "'"

    def owner(total, user_rows, multiplier):
        """The account of generated row g: the measured user's rows spread evenly."""
        stride = max(1, total // max(1, user_rows))
        return (f"(CASE WHEN g % {stride} = 0 AND g / {stride} <= {user_rows} THEN {user} "
                f"ELSE {base} + 1 + (g * {multiplier}) % {max(1, n_accounts)} END)")

    timings = []

    def batches(table, total, build):
        began = time.monotonic()
        done = 0
        lo = 1
        while lo <= total:
            hi = min(total, lo + BATCH - 1)
            with_clause, source = d.series(lo, hi)
            d.execute(build(with_clause, source))
            done += hi - lo + 1
            say_progress(f"  {table:<18} {done:>12,} / {total:,}  {time.monotonic() - began:7.1f} s")
            lo = hi + 1
        seconds = time.monotonic() - began
        timings.append((table, total, seconds))
        say_progress(None)
        say(f"  {table:<18} {total:>12,} rows  {seconds:8.1f} s  ({total / max(seconds, 1e-9):,.0f} rows/s)")

    # Accounts: one in 20 an organization (INN identifier); PIN = 2, DDMMYYYY, a code.
    day = f"1 + g % 28"
    month = f"1 + (g / 28) % 12"
    year = f"1950 + (g / 336) % 50"
    code = f"(g / 16800) % 100000"
    pin = (f"'2' || {d.pad(day, 2)} || {d.pad(month, 2)} || {d.text(year)} || {d.pad(code, 5)}")
    org = "g % 20 = 0"
    created = d.ts(f"{now - 3 * YEAR} + (g * 1000003) % {3 * YEAR}")
    batches("account", n_accounts, lambda w, s: (
        f"{w}INSERT INTO account (id, subject, kind, identifier, person_pin, full_name, "
        f"organization_name, email, phone, password_hash, language, created_at) "
        f"SELECT {base} + g, {d.hex32('g', 'subject')}, "
        f"CASE WHEN {org} THEN 'organization' ELSE 'individual' END, "
        f"CASE WHEN {org} THEN {d.pad('g', 14)} ELSE {pin} END, {pin}, "
        f"'Seeded Person ' || {d.text('g')}, "
        f"CASE WHEN {org} THEN 'Seeded Organization ' || {d.text('g')} END, "
        f"'seeded' || {d.text('g')} || '@example.kg', "
        f"CASE WHEN g % 3 = 0 THEN NULL ELSE '+996' || {d.text('700000000 + g % 99999999')} END, "
        f"{sql_hash}, {pick('g', ['ky', 'ru', 'en'])}, {created} FROM {s}"))
    if d.name == "postgres":
        d.execute("SELECT setval(pg_get_serial_sequence('account', 'id'), (SELECT max(id) FROM account))")

    # Two acceptance records per account: the agreement and the personal-data consent.
    def acceptance(w, s):
        return (f"{w}INSERT INTO acceptance_record (subject, kind, agreement_version, language, "
                f"text_sha256, wording, recorded_at, address, user_agent) "
                f"SELECT a.subject, k.kind, {version}, a.language, {quote(sha)}, "
                f"CASE k.kind WHEN 'agreement_accepted' THEN {quote(wording_a)} ELSE {quote(wording_p)} END, "
                f"a.created_at, '10.1.' || {d.text('a.id % 250')} || '.' || {d.text('a.id % 13')}, "
                f"{pick('a.id', USER_AGENTS)} "
                f"FROM {s} JOIN account a ON a.id = {base} + g "
                f"CROSS JOIN (SELECT 'agreement_accepted' AS kind UNION ALL SELECT 'pd_consent_given') k")
    batches("acceptance_record", n_accounts, acceptance)

    # Sessions: old ones, ended or expired long ago.
    n_sessions = n_accounts * SESSIONS_PER_ACCOUNT
    began = d.ts(f"{now - 2 * YEAR} + (g * 7919) % {2 * YEAR - 86400}")
    batches("session", n_sessions, lambda w, s: (
        f"{w}INSERT INTO \"session\" (token_hash, account_id, created_at, last_seen_at, expires_at, "
        f"address, user_agent, revoked_at, revoked_reason) "
        f"SELECT {d.hex64('g', 'token')}, {owner(n_sessions, USER_SESSIONS, 48271)}, "
        f"{began}, {d.ts(f'{now - 2 * YEAR} + (g * 7919) % {2 * YEAR - 86400} + 600')}, "
        f"{d.ts(f'{now - 2 * YEAR} + (g * 7919) % {2 * YEAR - 86400} + 43200')}, "
        f"'10.2.' || {d.text('g % 250')} || '.' || {d.text('g % 17')}, {pick('g', USER_AGENTS)}, "
        f"CASE WHEN g % 2 = 0 THEN {d.ts(f'{now - 2 * YEAR} + (g * 7919) % {2 * YEAR - 86400} + 900')} END, "
        f"CASE WHEN g % 2 = 0 THEN 'exit' END FROM {s}"))

    # The cabinet service, used by every account (the measured user has it already).
    batches("service_link", n_accounts, lambda w, s: (
        f"{w}INSERT INTO service_link (account_id, service_code, first_used_at, last_used_at, terminated_at) "
        f"SELECT {base} + g, 'cabinet', {created}, {d.ts(f'{now} - (g * 7919) % {YEAR}')}, NULL FROM {s}"))

    # Inbox: security notices, most read.
    n_inbox = n_accounts * INBOX_PER_ACCOUNT
    at = d.ts(f"{now - 2 * YEAR} + (g * 7927) % {2 * YEAR}")
    batches("inbox_message", n_inbox, lambda w, s: (
        f"{w}INSERT INTO inbox_message (account_id, kind, params, created_at, read_at) "
        f"SELECT {owner(n_inbox, USER_INBOX, 69621)}, "
        f"CASE WHEN g % 4 = 0 THEN 'password_changed' ELSE 'new_device_sign_in' END, "
        f"CASE WHEN g % 4 = 0 THEN '{{\"at\":\"2025-06-01T10:00:00+00:00\"}}' ELSE "
        f"'{{\"user_agent\":\"' || {pick('g', USER_AGENTS)} || '\",\"address\":\"10.3.' || {d.text('g % 250')} "
        f"|| '.1\",\"at\":\"2025-06-01T10:00:00+00:00\"}}' END, "
        f"{at}, CASE WHEN g % 8 = 0 THEN NULL ELSE {at} END FROM {s}"))

    # History events: time runs with g over three years; the measured user's are spread
    # over the whole table.
    # A multiplicative hash, so that the measured user's evenly spaced rows get every kind.
    mixed = "((g * 2654435761) % 4294967291)"
    kind = pick(mixed, EVENT_KINDS)
    step = 3 * YEAR / max(1, events)
    batches("account_event", events, lambda w, s: (
        f"{w}INSERT INTO account_event (account_id, actor, kind, details, reason, address, "
        f"user_agent, created_at, pseudonym) "
        f"SELECT {owner(events, USER_EVENTS, 2654435761)}, "
        f"CASE WHEN k = 'operator_message' THEN 'operator' ELSE 'user' END, k, "
        f"CASE WHEN k = 'signed_in' THEN '{{\"session_id\":' || {d.text('g')} || '}}' "
        f"WHEN k IN ('document_uploaded', 'document_downloaded') THEN '{{\"name\":\"scan-' || {d.text('g')} || '.pdf\"}}' "
        f"WHEN k = 'agreement_accepted' THEN '{{\"version\":{version}}}' ELSE '{{}}' END, "
        f"CASE WHEN k = 'operator_message' THEN 'Reply to your request' END, "
        f"'10.' || {d.text('g % 250')} || '.' || {d.text('(g / 250) % 250')} || '.' || {d.text('1 + g % 7')}, "
        f"{pick(f'{mixed} / 20', USER_AGENTS)}, {d.ts(f'{now - 3 * YEAR} + g * {step:.6f}')}, NULL "
        f"FROM (SELECT g, {kind} AS k FROM {s}) e"))

    # Documents' metadata (no files: the cabinet reads only the rows).
    batches("document", documents, lambda w, s: (
        f"{w}INSERT INTO document (account_id, stored_name, original_name, media_type, size, "
        f"sha256, uploaded_at, retain_until) "
        f"SELECT {owner(documents, USER_DOCUMENTS, 1103515245)}, {d.hex64('g', 'stored')}, "
        f"'scan-' || {d.text('g')} || '.pdf', 'application/pdf', 100000 + (g * 7919) % 900000, "
        f"{d.hex64('g', 'sha')}, {d.ts(f'{now - 3 * YEAR} + (g * 7927) % {3 * YEAR}')}, "
        f"{d.ts(f'{now + 2 * YEAR} + (g * 7927) % {3 * YEAR}')} FROM {s}"))
    return timings


# ---------------------------------------------------------------- statements and plans

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \w+ \[(\d+)\] (?:(\S*)@(\S*) )?(\w+):  (.*)$")
EXECUTE = re.compile(r"^duration: ([\d.]+) ms  (?:execute [^:]*|statement): (.*)$", re.S)
AUTO_EXPLAIN = re.compile(r"^duration: ([\d.]+) ms  plan:\nQuery Text: ([^\n]*)\n(.*)$", re.S)
PARAM = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')")


def pg_log_path():
    explicit = env("SCALE_PG_LOG")
    if explicit:
        return explicit
    logs = sorted(glob.glob("/var/log/postgresql/*.log"), key=os.path.getmtime)
    return logs[-1] if logs else None


def read_statements(log_path, offset, database):
    """The statements `database` executed in the log after `offset`:
    [(sql, params, ms, plan)], where plan is auto_explain's record of that very execution
    (None without it)."""
    with open(log_path, "r", errors="replace") as f:
        f.seek(offset)
        text = f.read()
    entries = []  # (pid, database, level, message)
    for line in text.splitlines():
        m = LOG_LINE.match(line)
        if m:
            entries.append([m.group(1), m.group(3), m.group(4), m.group(5)])
        elif entries and line.startswith("\t"):
            entries[-1][3] += "\n" + line[1:]
    found = []
    pending = {}  # pid -> index in found awaiting its parameters
    last = {}  # pid -> index in found of its latest execution
    for pid, db, level, message in entries:
        if db != database:
            continue
        if level == "LOG":
            pending.pop(pid, None)
            m = AUTO_EXPLAIN.match(message)
            if m:
                # auto_explain logs when the executor ends: after the execute line.
                index = last.get(pid)
                if index is not None and found[index][0] == m.group(2).strip() \
                        and found[index][3] is None:
                    found[index][3] = m.group(3).rstrip()
                continue
            m = EXECUTE.match(message)
            if m:
                found.append([m.group(2).strip(), {}, float(m.group(1)), None])
                pending[pid] = last[pid] = len(found) - 1
        elif level == "DETAIL" and message.startswith("parameters:") and pid in pending:
            found[pending.pop(pid)][1] = {int(k): v for k, v in PARAM.findall(message)}
    return [tuple(f) for f in found]


def substitute(sql, params):
    for number in sorted(params, reverse=True):
        sql = sql.replace(f"${number}", params[number])
    return sql


# Used for SQLite when PostgreSQL did not run in this invocation: the statements the two
# pages issue, as SeaORM writes them (account 1 is the measured user; 2 = its session).
FALLBACK_STATEMENTS = [
    ('SELECT "session"."id", "session"."token_hash", "session"."account_id", "session"."created_at", "session"."last_seen_at", "session"."expires_at", "session"."address", "session"."user_agent", "session"."revoked_at", "session"."revoked_reason" FROM "session" WHERE "session"."token_hash" = $1 LIMIT $2', {1: "'x'", 2: "'1'"}),
    ('SELECT "agreement_version"."id", "agreement_version"."version", "agreement_version"."effective_from", "agreement_version"."published_at" FROM "agreement_version" WHERE "agreement_version"."effective_from" <= $1 ORDER BY "agreement_version"."version" DESC LIMIT $2', {1: "'2100-01-01'", 2: "'1'"}),
    ('SELECT MAX("acceptance_record"."agreement_version") AS "latest" FROM "acceptance_record" WHERE "acceptance_record"."subject" IN (SELECT "subject" FROM "account" WHERE "account"."id" = $1) AND "acceptance_record"."kind" = $2 LIMIT $3', {1: "'1'", 2: "'agreement_accepted'", 3: "'1'"}),
    ('SELECT "account"."id", "account"."full_name" FROM "account" WHERE "account"."id" = $1 LIMIT $2', {1: "'1'", 2: "'1'"}),
    ('SELECT "inbox_message"."id", "inbox_message"."kind", "inbox_message"."params" FROM "inbox_message" WHERE "inbox_message"."account_id" = $1 ORDER BY "inbox_message"."created_at" DESC, "inbox_message"."id" DESC LIMIT $2', {1: "'1'", 2: "'5'"}),
    ('SELECT "document"."id", "document"."retain_until" FROM "document" WHERE "document"."account_id" = $1 ORDER BY "document"."uploaded_at" DESC, "document"."id" DESC', {1: "'1'"}),
    ('SELECT "account_event"."id", "account_event"."user_agent" FROM "account_event" WHERE "account_event"."account_id" = $1 AND "account_event"."kind" = $2 ORDER BY "account_event"."id" DESC LIMIT $3 OFFSET $4', {1: "'1'", 2: "'signed_in'", 3: "'1'", 4: "'1'"}),
    ('SELECT COUNT(*) AS num_items FROM "inbox_message" WHERE "inbox_message"."account_id" = $1 AND "inbox_message"."read_at" IS NULL', {1: "'1'"}),
    ('SELECT COUNT(*) AS num_items FROM (SELECT "account_event"."id" FROM "account_event" WHERE "account_event"."account_id" = $1) AS "sub_query"', {1: "'1'"}),
    ('SELECT "account_event"."id", "account_event"."kind" FROM "account_event" WHERE "account_event"."account_id" = $1 ORDER BY "account_event"."id" DESC LIMIT $2 OFFSET $3', {1: "'1'", 2: f"'{PER_PAGE}'", 3: "'0'"}),
    ('SELECT "account_event"."id", "account_event"."kind" FROM "account_event" WHERE "account_event"."account_id" = $1 ORDER BY "account_event"."id" DESC LIMIT $2 OFFSET $3', {1: "'1'", 2: f"'{PER_PAGE}'", 3: f"'{(DEEP_PAGE - 1) * PER_PAGE}'"}),
]

BIG_TABLES = ("account", "account_event", "document", "session", "inbox_message",
              "acceptance_record", "service_link")


def flags_of_pg_plan(plan):
    """Warnings a reader should look at: sequential scans of big tables, many filtered rows."""
    flags = []
    for table in BIG_TABLES:
        if re.search(rf"Seq Scan on {table}\b", plan):
            flags.append(f"Seq Scan on {table}")
    for removed in re.findall(r"Rows Removed by Filter: (\d+)", plan):
        if int(removed) > 1000:
            flags.append(f"{removed} rows removed by filter")
    hits = [int(h) for h in re.findall(r"Buffers: shared (?:hit=(\d+))", plan)]
    if hits and max(hits) > 2000:
        flags.append(f"{max(hits)} buffers")
    return flags


def short_sql(sql, width=110):
    shortened = re.sub(r'"(\w+)"\."(\w+)"', r"\2", sql)
    shortened = re.sub(r'"(\w+)"', r"\1", shortened)
    shortened = re.sub(r"SELECT (?!COUNT|MAX)[\w, ]+? FROM", "SELECT … FROM", shortened, count=1)
    return shortened if len(shortened) <= width else shortened[: width - 1] + "…"


# ---------------------------------------------------------------- one backend


def run_backend(kind, work):
    n_accounts, n_events, n_documents = SIZES[kind]
    title = "PostgreSQL" if kind == "postgres" else "SQLite"
    say(f"\n== {title}: {n_accounts:,} accounts, {n_events:,} events, {n_documents:,} documents")
    md(f"\n## {title}: {n_accounts:,} accounts, {n_events:,} events, {n_documents:,} documents\n")
    tag = f"{os.getpid()}_{int(time.time())}"
    empty_dir = tempfile.mkdtemp(prefix=f"portal-scale-{kind}-empty-", dir=work)
    seeded_dir = tempfile.mkdtemp(prefix=f"portal-scale-{kind}-seeded-", dir=work)
    cleanups = []
    if kind == "postgres":
        empty_name, seeded_name = f"portal_scale_{tag}_empty", f"portal_scale_{tag}_seeded"
        Postgres.psql("postgres", f'CREATE DATABASE "{empty_name}"')
        cleanups.append(empty_name)
        empty = Server("empty", empty_dir, f"{PG_URL}/{empty_name}")
        seeded_server = Server("seeded", seeded_dir, f"{PG_URL}/{seeded_name}")
        empty_db = Postgres(empty_name)
    else:
        empty = Server("empty", empty_dir)
        seeded_server = Server("seeded", seeded_dir)
        empty_db = Sqlite(os.path.join(empty_dir, "portal.db"))
    servers = [empty, seeded_server]
    try:
        # 1. Empty database, the measured user, the first measurement.
        empty.migrate()
        empty.start()
        version = empty_db.query(
            "SELECT version FROM agreement_version ORDER BY version DESC LIMIT 1")[0][0]
        empty.register(version)
        empty.sign_in()
        user_id = int(empty_db.query(f"SELECT id FROM account WHERE identifier = '{USER_PIN}'")[0][0])
        before = measure([empty], [False])["empty"]
        empty.stop()
        if kind == "sqlite":
            empty_db.close()
        say("empty database, alone:  " + "  ".join(
            f"{label} p50 {ms(percentile(v, 50)):.2f} ms" for label, v in before.items()))

        # 2. The seeded copy.
        if kind == "postgres":
            Postgres.psql("postgres", f'CREATE DATABASE "{seeded_name}" TEMPLATE "{empty_name}"')
            cleanups.append(seeded_name)
            db = Postgres(seeded_name)
        else:
            source = sqlite3.connect(os.path.join(empty_dir, "portal.db"))
            target = sqlite3.connect(os.path.join(seeded_dir, "portal.db"))
            source.backup(target)
            source.close()
            target.close()
            if os.path.exists(os.path.join(empty_dir, "secret.key")):
                shutil.copy2(os.path.join(empty_dir, "secret.key"), seeded_dir)
            db = Sqlite(os.path.join(seeded_dir, "portal.db"))
        say("seeding:")
        def progress(line):
            if sys.stdout.isatty():
                if line is None:
                    sys.stdout.write("\r\033[K")
                else:
                    sys.stdout.write("\r\033[K" + line)
                sys.stdout.flush()

        seed_began = time.monotonic()
        timings = seed(db, n_accounts, n_events, n_documents, user_id, progress)
        analyze_began = time.monotonic()
        if kind == "postgres":
            db.psql(db.database, "VACUUM (ANALYZE)")
        else:
            db.connect().execute("ANALYZE")
            db.connect().execute("PRAGMA wal_checkpoint(TRUNCATE)")
            db.close()
        analyze_seconds = time.monotonic() - analyze_began
        seed_seconds = analyze_began - seed_began
        analyze_name = "VACUUM (ANALYZE)" if kind == "postgres" else "ANALYZE"
        say(f"  {analyze_name:<18} {'':>12}       {analyze_seconds:8.1f} s")
        say(f"  seeding total {seed_seconds:.0f} s, with {analyze_name} {seed_seconds + analyze_seconds:.0f} s")
        if kind == "postgres":
            size = db.query(f"SELECT pg_size_pretty(pg_database_size('{seeded_name}'))")[0][0]
        else:
            size = f"{os.path.getsize(db.path) / 2**20:,.0f} MB"
        counts = db.query(
            f"SELECT (SELECT count(*) FROM account_event WHERE account_id = {user_id}), "
            f"(SELECT count(*) FROM document WHERE account_id = {user_id})")[0]
        say(f"  database size {size}; the measured user (id {user_id}) has {int(counts[0]):,} events, "
            f"{counts[1]} documents")
        md("| table | rows | seconds | rows/s |\n|---|---:|---:|---:|")
        for table, rows, seconds in timings:
            md(f"| {table} | {rows:,} | {seconds:.1f} | {rows / max(seconds, 1e-9):,.0f} |")
        md(f"| {analyze_name} | | {analyze_seconds:.1f} | |")
        md(f"| **total** | | **{seed_seconds + analyze_seconds:.1f}** | |\n")
        md(f"Database size after seeding: {size}. The measured user (account {user_id}) has "
           f"{int(counts[0]):,} events and {counts[1]} documents.\n")
        if kind == "sqlite":
            db.close()

        # 3. Both databases side by side, requests alternating.
        for server in servers:
            server.start()
            server.sign_in()
        side_by_side = measure(servers, [False, True])
        for server in servers:
            server.stop()

        rows, over = [], []
        say(f"{'page':<25} {'empty alone p50':>15} {'empty p50/p99 ms':>18} {'seeded p50/p99 ms':>19} "
            f"{'ratio p50':>9} {'p99':>6}  budget")
        md(f"Latency, {REQUESTS} sequential requests per page after {WARMUP} warm-up, the two "
           f"servers alternating:\n")
        md("| page | empty, alone p50 | empty p50 / p99 | seeded p50 / p99 | ratio p50 | ratio p99 | budget |")
        md("|---|---:|---:|---:|---:|---:|---|")
        for label, _ in PAGES:
            e, s = side_by_side["empty"][label], side_by_side["seeded"][label]
            e50, e99, s50, s99 = (ms(percentile(e, 50)), ms(percentile(e, 99)),
                                  ms(percentile(s, 50)), ms(percentile(s, 99)))
            ratio, ratio99 = s50 / e50, s99 / e99
            ok = ratio <= BUDGET_RATIO
            if label not in BUDGETED:
                verdict = f"(info) {'ok' if ok else 'over'}"
            else:
                verdict = f"<= {BUDGET_RATIO:.2f}x {'ok' if ok else 'OVER'}"
                if not ok:
                    over.append(f"{title} {label} ({ratio:.2f}x)")
            alone = ms(percentile(before[label], 50))
            say(f"{label:<25} {alone:>12.2f} ms {e50:>8.2f} /{e99:>7.2f} {s50:>9.2f} /{s99:>7.2f}  "
                f"{ratio:>7.2f}x {ratio99:>5.2f}x  {verdict}")
            md(f"| `{label}` | {alone:.2f} ms | {e50:.2f} / {e99:.2f} ms | {s50:.2f} / {s99:.2f} ms | "
               f"{ratio:.2f}x | {ratio99:.2f}x | {verdict} |")
            rows.append((label, e50, e99, s50, s99, ratio))

        # 4. The statements and their plans.
        if kind == "postgres":
            statements = capture_pg(seeded_server, seeded_name)
            explain_pg(db, statements, seeded_name)
            run_backend.pg_statements = statements
        else:
            statements = getattr(run_backend, "pg_statements", None)
            explain_sqlite(db, statements, user_id)
        return over
    finally:
        for server in servers:
            server.stop()
        if kind == "sqlite":
            empty_db.close()
        if KEEP:
            say(f"kept: {empty_dir} {seeded_dir} " + " ".join(cleanups))
        else:
            for name in cleanups:
                Postgres.psql("postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', check=False)
            shutil.rmtree(empty_dir, ignore_errors=True)
            shutil.rmtree(seeded_dir, ignore_errors=True)


def capture_pg(server, database):
    """One more start of the seeded server with every statement logged, and auto_explain
    logging the plans the server's own executions used:
    {page: [(sql, params, ms, plan as the server ran it)]}."""
    log_path = pg_log_path()
    if not log_path or not os.access(log_path, os.R_OK):
        say("no readable PostgreSQL log (set SCALE_PG_LOG): statements not captured")
        return {}
    settings = {
        "log_min_duration_statement": "0",
        "session_preload_libraries": "'auto_explain'",
        "auto_explain.log_min_duration": "0",
        "auto_explain.log_analyze": "on",
        "auto_explain.log_buffers": "on",
        "auto_explain.log_timing": "on",
    }
    for name, value in settings.items():
        Postgres.psql("postgres", f'ALTER DATABASE "{database}" SET {name} = {value}')
    captured = {}
    try:
        server.start()
        server.sign_in()
        # More than five executions per statement, so that each pooled connection has
        # settled on its plan (PostgreSQL may switch a prepared statement to a generic plan
        # after five custom ones).
        for _ in range(10):
            for label, path in PAGES:
                server.get(path)
        for label, path in PAGES:
            time.sleep(0.3)
            offset = os.path.getsize(log_path)
            server.get(path)
            time.sleep(0.5)
            captured[label] = read_statements(log_path, offset, database)
    finally:
        server.stop()
        Postgres.psql("postgres", f'ALTER DATABASE "{database}" RESET ALL')
    return captured


TIMESTAMP = re.compile(r"^'\d{4}-\d\d-\d\d[ T]\d\d:\d\d")


def distinct_statements(captured):
    """[(template, params, [pages], server plan)] in first-seen order: one per statement and
    parameters (moments in time aside), so the deep page's OFFSET gets its own entry."""
    seen = {}
    for label, statements in captured.items():
        for sql, params, _, plan in statements:
            key = (sql, tuple(sorted((k, "T" if TIMESTAMP.match(v) else v)
                                     for k, v in params.items())))
            entry = seen.setdefault(key, [sql, params, [], plan])
            if label not in entry[2]:
                entry[2].append(label)
    return list(seen.values())


def scan_nodes(plan):
    """The plan's nodes, outermost first: "Limit", "Index Scan Backward using ... on ..."."""
    return [line.split("  (")[0].strip().removeprefix("->").strip()
            for line in plan.splitlines() if "(cost=" in line or "(actual" in line]


def explain_pg(db, captured, database):
    if not captured:
        return
    say("\nstatements per page (PostgreSQL): " + ", ".join(
        f"{label} {len(s)}" for label, s in captured.items()))
    md("\n### Statements and plans (PostgreSQL, seeded, the measured user's values)\n")
    md("Statements per page: " + ", ".join(f"`{label}` {len(s)}" for label, s in captured.items()) + "\n")
    say(f"{'exec ms':>8}  {'pages':<6} statement  →  plan")
    for template, params, pages, server_plan in distinct_statements(captured):
        sql = substitute(template, params)
        where = "".join("C" if l == "/cabinet" else ("H" if l == "/cabinet/history" else
                        ("D" if "page=" in l else "G")) for l in pages)
        if not sql.lstrip().upper().startswith("SELECT"):
            say(f"{'':>8}  {where:<6} {short_sql(sql)}  (not explained: writes)")
            md(f"- `{where}` (write, not explained): `{sql}`\n")
            continue
        db.psql(database, f"EXPLAIN (ANALYZE, BUFFERS) {sql}", check=False)  # warm
        plan = db.psql(database, f"EXPLAIN (ANALYZE, BUFFERS) {sql}", check=False)
        executed = re.search(r"Execution Time: ([\d.]+) ms", plan)
        nodes = scan_nodes(plan)
        flags = flags_of_pg_plan(plan)
        if server_plan:
            flags += [f"server: {f}" for f in flags_of_pg_plan(server_plan) if f not in flags]
            if scan_nodes(server_plan) != nodes:
                flags.append("the server's plan differs: " + " > ".join(scan_nodes(server_plan))[:120])
        say(f"{executed.group(1) if executed else '?':>8}  {where:<6} {short_sql(sql)}")
        say(f"{'':>16}→ {' > '.join(nodes)[:150]}" + (f"   !! {', '.join(flags)}" if flags else ""))
        md(f"**{', '.join(pages)}**: `{sql}`\n")
        if flags:
            md(f"Flagged: {', '.join(flags)}\n")
        md("EXPLAIN (ANALYZE, BUFFERS) with the values substituted:\n")
        md("```\n" + plan.rstrip() + "\n```\n")
        if server_plan:
            md("The server's own execution (auto_explain, prepared statement):\n")
            md("```\n" + server_plan + "\n```\n")
    say("(pages: C /cabinet, H /cabinet/history, D the deep page, G the filtered history)")


def explain_sqlite(db, captured, user_id):
    statements = distinct_statements(captured) if captured else [
        [sql, params, ["(fallback list)"], None] for sql, params in FALLBACK_STATEMENTS]
    say("\nquery plans (SQLite, seeded, EXPLAIN QUERY PLAN" +
        (", the statements PostgreSQL logged):" if captured else ", SeaORM's statements as written here):"))
    md("\n### Query plans (SQLite, seeded)\n")
    db.connect()
    for template, params, pages, _ in statements:
        sql = substitute(template, params)
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        try:
            plan = db.query(f"EXPLAIN QUERY PLAN {sql}")
        except sqlite3.Error as error:
            say(f"  {short_sql(sql)}: {error}")
            continue
        began = time.perf_counter()
        for _ in range(5):
            db.connect().execute(sql).fetchall()
        took = ms((time.perf_counter() - began) / 5)
        details = [row[-1] for row in plan]
        flags = [d for d in details if re.match(r"SCAN (\w+)$", d.strip()) and
                 d.split()[1] in BIG_TABLES]
        say(f"{took:>8.3f}  {short_sql(sql)}")
        say(f"{'':>10}→ {'; '.join(details)[:150]}" + (f"   !! {', '.join(flags)}" if flags else ""))
        md(f"**{', '.join(pages)}** ({took:.3f} ms): `{sql}`\n")
        md("```\n" + "\n".join(details) + "\n```\n")
    db.close()


def main():
    if not os.path.exists(SERVER):
        say(f"missing {SERVER}: run a release build first (cargo leptos build --release)")
        return 1
    work = tempfile.mkdtemp(prefix="portal-scale-")
    md("# Scale (issue 13)\n")
    md(f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} cores; "
       f"budget: seeded p50 <= {BUDGET_RATIO}x empty p50 per page.\n")
    began = time.monotonic()
    over = []
    try:
        for kind in BACKENDS:
            if kind not in SIZES:
                say(f"unknown backend {kind}")
                return 1
            over += run_backend(kind, work)
    finally:
        for process in list(started_processes):
            if process.poll() is None:
                process.kill()
        if not KEEP:
            shutil.rmtree(work, ignore_errors=True)
        os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
        with open(RESULTS, "w") as f:
            f.write("\n".join(report) + "\n")
    minutes = (time.monotonic() - began) / 60
    say(f"\nfigures and plans: {os.path.relpath(RESULTS, ROOT)}; {minutes:.1f} min in all")
    if over:
        say("OVER BUDGET: " + ", ".join(over))
        return 1
    say("scale within budget")
    return 0


if __name__ == "__main__":
    sys.exit(main())
