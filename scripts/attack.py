#!/usr/bin/env python3
"""Attacks of the trustworthy-core review, run against a release server as an attacker would:
over HTTP, from outside, in parallel where the attack is a race. Each prints "refused" or
"ACCEPTED"; the exit status is 1 if any was accepted (or could not be tried).

Starts target/release/server on free ports with fresh data directories (one normal, one with
--https and short read timeouts), so it needs a release build (scripts/test.sh makes one).
Standard library only; the TOTP codes are computed here (RFC 6238) as an app would.

    python3 scripts/attack.py            # all attacks
    python3 scripts/attack.py report     # those whose name contains "report"
"""
import base64
import concurrent.futures
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER = os.environ.get("PORTAL_SERVER", os.path.join(ROOT, "target", "release", "server"))
SITE = os.path.join(ROOT, "target", "site")
PASSWORD = "Too-Ata jailoo 2026"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Portal:
    """A release server on a free port with its own data directory."""

    def __init__(self, *extra):
        self.port = free_port()
        self.data = tempfile.mkdtemp(prefix="portal-attack-")
        self.log = open(os.path.join(self.data, "server.log"), "w")
        self.process = subprocess.Popen(
            [SERVER, "serve", "--listen", f"127.0.0.1:{self.port}", "--data-dir", self.data,
             "--site-root", SITE, "--attempts-per-address", "1000000", *extra],
            stdout=self.log, stderr=self.log)
        for _ in range(300):
            if self.process.poll() is not None:
                break
            try:
                if self.request("GET", "/readyz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        self.log.flush()
        with open(self.log.name) as log:
            said = log.read().strip().splitlines()
        self.stop()
        raise RuntimeError("the server did not start" + (f": {said[0]}" if said else ""))

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        shutil.rmtree(self.data, ignore_errors=True)

    def request(self, method, path, form=None, cookie=None, accept="application/json", headers=None):
        """(status, headers as a dict of lists, body text)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        sent = {"Accept": accept}
        body = None
        if form is not None:
            body = form if isinstance(form, (bytes, str)) else urllib.parse.urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if cookie:
            sent["Cookie"] = cookie
        sent.update(headers or {})
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        seen = {}
        for name, value in response.getheaders():
            seen.setdefault(name.lower(), []).append(value)
        conn.close()
        return response.status, seen, text

    def post(self, path, form, cookie=None, plain=False):
        accept = "text/html,application/xhtml+xml" if plain else "application/json"
        return self.request("POST", path, form, cookie, accept)

    def database(self):
        return sqlite3.connect(os.path.join(self.data, "portal.db"))

    def register(self, pin, email, password=PASSWORD):
        status, headers, _ = self.post("/api/account/register", {
            "kind": "individual", "pin": pin, "full_name": "Asanov Bakyt", "email": email,
            "phone": "", "password": password, "accepts_agreement": "true",
            "consents_to_personal_data": "true", "agreement_version": "1"}, plain=True)
        return status, headers

    def sign_in(self, identifier, password=PASSWORD, cookie=None, next_path=None):
        form = {"identifier": identifier, "password": password}
        if next_path is not None:
            form["next"] = next_path
        return self.post("/api/account/sign-in", form, cookie=cookie, plain=True)


def cookie_of(headers, name):
    for value in headers.get("set-cookie", []):
        if value.startswith(name + "=") and not value.startswith(name + "=;"):
            return value.split(";", 1)[0]
    return None


def session_of(headers):
    return cookie_of(headers, "portal_session") or cookie_of(headers, "__Host-portal_session")


def signed_in(portal, pin, password=PASSWORD):
    status, headers, _ = portal.sign_in(pin, password)
    session = session_of(headers)
    if session is None:
        raise RuntimeError(f"cannot sign in {pin}: {status}")
    return session


def totp(secret, at=None, step=30):
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def two_step_on(portal, session):
    """Turns two-step verification on as the cabinet does; returns the secret."""
    portal.post("/api/security/two-factor/start", {}, cookie=session)
    _, _, page = portal.post("/api/security/two-factor", {}, cookie=session)
    secret = json.loads(page)["Enrol"]["secret"]
    code = totp(secret, time.time() - 30)
    status, _, body = portal.post("/api/security/two-factor/confirm",
                                  {"password": PASSWORD, "code": code}, cookie=session)
    if status != 200:
        raise RuntimeError(f"two-step verification did not turn on: {status} {body}")
    return secret


def parallel(calls):
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))


PINS = iter(f"2150319{n:07d}" for n in range(1000, 9999))


def new_account(portal, email_prefix="citizen"):
    pin = next(PINS)
    portal.register(pin, f"{email_prefix}-{pin}@example.kg")
    return pin


# Each attack returns (refused: bool, what was seen).

def report_hands_over_the_account(portal):
    """A session alone reports 'unauthorized access' and uses what it gets to set a password."""
    pin = new_account(portal)
    stolen = signed_in(portal, pin)
    status, headers, body = portal.post("/api/security/report", {"description": "x"}, cookie=stolen)
    handed = [v for v in headers.get("location", []) + headers.get("serverfnredirect", [])] + [body]
    token = [t for t in handed if "token" in t]
    guessed, _, _ = portal.post("/api/password/renew", {
        "identifier": pin, "current_password": "the intruder does not know it",
        "code": "", "new_password": "Intruder owns it 2026"})
    return not token and guessed == 422, f"report {status}; token handed: {bool(token)}; renewal without the old password: {guessed}"


def spelling_variants_reset_the_count(portal):
    """Five failures under five spellings of one PIN, then the right password under a sixth."""
    pin = new_account(portal)
    for spelling in (pin, f"{pin[0]}-{pin[1:]}", f"{pin[:6]} {pin[6:]}", f"{pin[:4]}-{pin[4:]}", f" {pin} "):
        portal.post("/api/account/sign-in", {"identifier": spelling, "password": "guess"})
    status, headers, _ = portal.post("/api/account/sign-in", {"identifier": f"{pin[:5]}-{pin[5:11]}-{pin[11:]}", "password": PASSWORD})
    return status == 429, f"sixth attempt: {status}"


def parallel_guesses_pass_together(portal):
    """Four failures, then twelve guesses at once: how many were tested?"""
    pin = new_account(portal)
    for _ in range(4):
        portal.post("/api/account/sign-in", {"identifier": pin, "password": "guess"})
    statuses = parallel([lambda i=i: portal.post("/api/account/sign-in", {"identifier": pin, "password": f"guess {i}"})[0] for i in range(12)])
    tested = statuses.count(422)
    return tested <= 1, f"tested {tested} of 12 at once: {sorted(statuses)}"


def a_right_password_resets_code_guessing(portal):
    """Knowing the password, guess four codes, type the password again for a fresh round of
    four, and so on: if the right password forgave the wrong codes, guessing never stops."""
    pin = new_account(portal)
    two_step_on(portal, signed_in(portal, pin))
    tried = []
    for _ in range(3):
        status, headers, _ = portal.sign_in(pin)
        challenge = cookie_of(headers, "portal_challenge")
        if not challenge:
            return True, f"the password again after {len(tried)} wrong codes: {status}"
        for _ in range(4):
            status, _, _ = portal.post("/api/account/sign-in-code", {"code": f"{len(tried):06d}"}, cookie=challenge)
            if status != 422:
                return True, f"wrong codes answered {tried}, then {status}"
            tried.append(status)
    return False, f"{len(tried)} wrong codes tried in rounds of four, none refused"


def one_code_two_sessions(portal):
    """Two sign-ins waiting for a code; the same code sent to both at once."""
    pin = new_account(portal)
    secret = two_step_on(portal, signed_in(portal, pin))
    challenges = [cookie_of(portal.sign_in(pin)[1], "portal_challenge") for _ in range(10)]
    code = totp(secret, time.time() + 30)
    answers = parallel([lambda c=c: portal.post("/api/account/sign-in-code", {"code": code}, cookie=c, plain=True) for c in challenges])
    sessions = sum(1 for _, headers, _ in answers if session_of(headers))
    return sessions == 1, f"sessions opened with one code: {sessions}"


def open_redirect_after_sign_in(portal):
    """next= leading off the site, or into a header value that panics the handler."""
    pin = new_account(portal)
    seen = []
    for hostile in ("/\t/evil.example", "/\n/evil.example", "/\x01", "//evil.example", "/\\evil.example", "https://evil.example"):
        status, headers, _ = portal.sign_in(pin, next_path=hostile)
        seen.append((status, headers.get("location", [""])[0]))
    refused = all(status == 302 and location == "/cabinet" for status, location in seen)
    return refused, f"{seen}"


def two_step_on_with_a_session_alone(portal):
    """A stolen session turns two-step verification on (locking the owner out)."""
    pin = new_account(portal)
    stolen = signed_in(portal, pin)
    portal.post("/api/security/two-factor/start", {}, cookie=stolen)
    _, _, page = portal.post("/api/security/two-factor", {}, cookie=stolen)
    secret = json.loads(page)["Enrol"]["secret"]
    status, _, _ = portal.post("/api/security/two-factor/confirm", {"code": totp(secret)}, cookie=stolen)
    return status == 422, f"confirm without the password: {status}"


def turning_two_step_off_with_the_password_alone(portal):
    pin = new_account(portal)
    session = signed_in(portal, pin)
    two_step_on(portal, session)
    status, _, _ = portal.post("/api/security/two-factor/turn-off", {"password": PASSWORD, "code": ""}, cookie=session)
    return status == 422, f"turn off without a code: {status}"


def unthrottled_guesses_from_a_session(portal):
    """A stolen session guesses the password through 'change password'."""
    pin = new_account(portal)
    stolen = signed_in(portal, pin)
    statuses = [portal.post("/api/security/change-password", {"current_password": f"guess {i}", "new_password": "Mine now 2026 x"}, cookie=stolen)[0] for i in range(8)]
    alive = portal.post("/api/cabinet/overview", {}, cookie=stolen)[0]
    return alive == 401, f"guesses {statuses}; the session afterwards: {alive}"


def a_pending_challenge_survives_the_report(portal):
    """An intruder with the password waits at the code step while the owner reports."""
    pin = new_account(portal)
    owner = signed_in(portal, pin)
    secret = two_step_on(portal, owner)
    challenge = cookie_of(portal.sign_in(pin)[1], "portal_challenge")
    portal.post("/api/security/report", {"description": ""}, cookie=owner)
    _, headers, _ = portal.post("/api/account/sign-in-code", {"code": totp(secret, time.time() + 30)}, cookie=challenge, plain=True)
    return session_of(headers) is None, f"session after the report: {session_of(headers) is not None}"


def a_flood_stalls_every_sign_in(portal):
    """Hundreds of sign-ins at once: the others must not wait for minutes."""
    pin = new_account(portal)
    started = time.monotonic()
    results = parallel([lambda i=i: portal.post("/api/account/sign-in", {"identifier": f"1100219801{i:04d}", "password": "x"}) for i in range(150)])
    elapsed = time.monotonic() - started
    busy = [r for r in results if r[0] == 503]
    retry = all("retry-after" in headers for _, headers, _ in busy)
    t0 = time.monotonic()
    signed_in(portal, pin)
    alone = time.monotonic() - t0
    return bool(busy) and retry and elapsed < 30, f"150 at once in {elapsed:.1f} s, {len(busy)} answered 503 with Retry-After; then one sign-in in {alone:.2f} s"


def registration_tells_who_is_registered(portal):
    """Registering a known PIN, or a known email, must look like registering a new one."""
    pin = new_account(portal, "known")
    new = portal.register(next(PINS), "fresh@example.kg")
    taken_pin = portal.register(pin, "someone-else@example.kg")
    taken_email = portal.register(next(PINS), f"known-{pin}@example.kg")

    def shape(answer):
        status, headers = answer
        return status, headers.get("location"), sorted(c.split("=")[0] for c in headers.get("set-cookie", []))
    same = shape(new) == shape(taken_pin) == shape(taken_email)
    return same, f"new {shape(new)}; taken PIN {shape(taken_pin)}; taken email {shape(taken_email)}"


def drafts_store_whatever_is_typed(portal):
    """A 250 KB identifier posted without JavaScript is kept as a draft."""
    portal.post("/api/account/sign-in", {"identifier": "2" * 250_000, "password": "x"}, plain=True)
    with portal.database() as db:
        largest = db.execute("SELECT COALESCE(MAX(LENGTH(payload)), 0) FROM form_draft").fetchone()[0]
    return largest <= 64 * 1024, f"largest draft kept: {largest} bytes"


def acceptance_records_pile_up(portal):
    """Version 2 is published; one account sends its acceptance many times, some at once.
    (Last: from now on every account of this portal meets the new version's gate.)"""
    pin = new_account(portal)
    session = signed_in(portal, pin)
    summary = os.path.join(portal.data, "summary.txt")
    with open(summary, "w") as f:
        f.write("[ky]\nДемо.\n[ru]\nДемо.\n[en]\nDemo.\n")
    today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 6 * 3600))
    demo = os.path.join(ROOT, "domain", "agreement", "demo")
    subprocess.run([SERVER, "agreement", "publish", "--data-dir", portal.data, "--version", "2",
                    "--effective", today, "--summary-file", summary]
                   + [arg for lang in ("ky", "ru", "en") for arg in ("--text", f"{lang}={demo}/{lang}.md")],
                   check=True, capture_output=True)
    with portal.database() as db:
        sha = db.execute("SELECT sha256 FROM agreement_text WHERE version = 2 AND language = 'en'").fetchone()[0]
    answer = {"version": "2", "language": "en", "sha256": sha, "accepts": "true", "next": "/cabinet"}
    statuses = parallel([lambda: portal.post("/api/agreement/accept", answer, cookie=session)[0] for _ in range(8)])
    statuses.append(portal.post("/api/agreement/accept", answer, cookie=session)[0])
    with portal.database() as db:
        records = db.execute("SELECT COUNT(*) FROM acceptance_record WHERE agreement_version = 2 "
                             "AND kind = 'agreement_accepted'").fetchone()[0]
    return records == 1, f"9 acceptances ({sorted(set(statuses))}) left {records} record(s)"


def a_macro_document_is_stored(portal):
    """A Word document with a VBA project, named .docx."""
    import io
    import zipfile
    pin = new_account(portal)
    session = signed_in(portal, pin)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", '<Types><Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>')
        z.writestr("word/document.xml", "<w:document/>")
        z.writestr("word/vbaProject.bin", "Sub AutoOpen()")
    boundary = "attack-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"document\"; filename=\"invoice.docx\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode() + buffer.getvalue() + f"\r\n--{boundary}--\r\n".encode()
    status, headers, _ = portal.request("POST", "/cabinet/documents/upload", body, cookie=session, accept="text/html",
                                        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    location = headers.get("location", [""])[0]
    return location.endswith("problem=type"), f"{status} {location}"


def an_abandoned_upload_leaves_a_file(portal):
    """Start a 5 MB upload, send 1 MB, and go away."""
    pin = new_account(portal)
    session = signed_in(portal, pin)
    boundary = "attack-boundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"document\"; filename=\"big.pdf\"\r\n"
            "Content-Type: application/pdf\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", portal.port)) as s:
        s.sendall((f"POST /cabinet/documents/upload HTTP/1.1\r\nHost: portal\r\nCookie: {session}\r\n"
                   f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {5 * 1024 * 1024}\r\n\r\n").encode())
        s.sendall(head + b"%PDF-1.7\n" + b"x" * (1024 * 1024))
        time.sleep(0.5)
    time.sleep(1.0)
    temp = os.path.join(portal.data, "files", "tmp")
    left = os.listdir(temp) if os.path.isdir(temp) else []
    return not left, f"temporary files left: {left}"


def deleted_data_stays_on_disk(portal):
    """Delete an account, then look for its name in the database's files."""
    pin = next(PINS)
    marker = "Qzmarker" + pin
    portal.post("/api/account/register", {
        "kind": "individual", "pin": pin, "full_name": marker, "email": f"{marker.lower()}@example.kg",
        "phone": "", "password": PASSWORD, "accepts_agreement": "true",
        "consents_to_personal_data": "true", "agreement_version": "1"}, plain=True)
    session = signed_in(portal, pin)
    status, _, _ = portal.post("/api/cabinet/delete", {"password": PASSWORD, "confirm": "true"}, cookie=session)
    time.sleep(0.5)
    found = []
    for name in os.listdir(portal.data):
        path = os.path.join(portal.data, name)
        if os.path.isfile(path) and marker.encode() in open(path, "rb").read():
            found.append(name)
    return status in (200, 302) and not found, f"delete {status}; the name is in {found}"


def get_requests_change_things(portal):
    """Prefetching pages (a GET) must not draw secrets, use services or make exports."""
    pin = new_account(portal)
    session = signed_in(portal, pin)
    for path in ("/cabinet/security/two-factor", "/services/residence-certificate", "/cabinet/inbox"):
        portal.request("GET", path, cookie=session, accept="text/html")
    export = portal.request("GET", "/cabinet/export/download", cookie=session, accept="text/html")[0]
    with portal.database() as db:
        account = db.execute("SELECT id FROM account WHERE identifier = ?", (pin,)).fetchone()[0]
        secrets = db.execute("SELECT COUNT(*) FROM second_factor WHERE account_id = ?", (account,)).fetchone()[0]
        uses = db.execute("SELECT COUNT(*) FROM service_link WHERE account_id = ? "
                          "AND service_code = 'residence-certificate'", (account,)).fetchone()[0]
    return secrets == 0 and uses == 0 and export == 405, f"secrets {secrets}, service uses {uses}, GET export {export}"


def a_forged_request_id_reaches_the_logs(portal):
    status, headers, _ = portal.request("GET", "/healthz", headers={"X-Request-Id": "forged-id"})
    answered = headers.get("x-request-id", [""])[0]
    return answered != "forged-id", f"request id answered: {answered}"


def pages_lose_their_headers_under_load(portal):
    """Pages and their assets in parallel, as browsers load them."""
    pin = new_account(portal)
    session = signed_in(portal, pin)
    pkg = os.path.join(SITE, "pkg")
    assets = [f"/pkg/{name}" for name in os.listdir(pkg) if name.endswith((".js", ".wasm", ".css"))][:3]

    def page(path, cookie=None):
        status, headers, _ = portal.request("GET", path, cookie=cookie, accept="text/html")
        csp = headers.get("content-security-policy", [""])[0]
        return ("page", path, status, "'nonce-" in csp)

    def asset(path):
        status, headers, _ = portal.request("GET", path, accept="*/*")
        return ("asset", path, status, "'nonce-" not in headers.get("content-security-policy", [""])[0])

    calls = []
    for _ in range(40):
        calls += [lambda: page("/"), lambda: page("/cabinet", session), lambda: page("/feedback")]
        calls += [lambda a=a: asset(a) for a in assets]
    with concurrent.futures.ThreadPoolExecutor(max_workers=24) as pool:
        results = list(pool.map(lambda call: call(), calls))
    broken = [r for r in results if r[2] != 200 or not r[3]]
    return not broken, f"{len(broken)} of {len(results)} answers without their own headers"


def cookies_without_the_host_prefix(https_portal):
    """Behind HTTPS every cookie should be __Host- (no subdomain can plant or read it)."""
    names = set()
    names.update(c.split("=")[0] for c in https_portal.request("GET", "/?lang=en", accept="text/html")[1].get("set-cookie", []))
    names.update(c.split("=")[0] for c in https_portal.sign_in("nobody", "x")[1].get("set-cookie", []))
    pin = next(PINS)
    https_portal.register(pin, f"h-{pin}@example.kg")
    names.update(c.split("=")[0] for c in https_portal.sign_in(pin)[1].get("set-cookie", []))
    plain = sorted(n for n in names if not n.startswith("__Host-"))
    return not plain and names, f"cookies {sorted(names)}"


def slow_headers_hold_a_connection(https_portal):
    """Open a connection and send the headers one byte in a long while."""
    with socket.create_connection(("127.0.0.1", https_portal.port)) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: portal\r\nX-Slow: ")
        s.settimeout(10)
        started = time.monotonic()
        try:
            data = s.recv(1024)
        except socket.timeout:
            return False, "still open after 10 s"
    return time.monotonic() - started < 8, f"closed after {time.monotonic() - started:.1f} s ({len(data)} bytes)"


ATTACKS = [
    report_hands_over_the_account,
    spelling_variants_reset_the_count,
    parallel_guesses_pass_together,
    a_right_password_resets_code_guessing,
    one_code_two_sessions,
    open_redirect_after_sign_in,
    two_step_on_with_a_session_alone,
    turning_two_step_off_with_the_password_alone,
    unthrottled_guesses_from_a_session,
    a_pending_challenge_survives_the_report,
    a_flood_stalls_every_sign_in,
    registration_tells_who_is_registered,
    drafts_store_whatever_is_typed,
    a_macro_document_is_stored,
    an_abandoned_upload_leaves_a_file,
    deleted_data_stays_on_disk,
    get_requests_change_things,
    a_forged_request_id_reaches_the_logs,
    pages_lose_their_headers_under_load,
    # Last: it publishes a new agreement version, which gates every account.
    acceptance_records_pile_up,
]
HTTPS_ATTACKS = [cookies_without_the_host_prefix, slow_headers_hold_a_connection]


def main():
    if not os.path.exists(SERVER):
        print(f"missing {SERVER}: build a release first (cargo leptos build --release)")
        return 1
    wanted = sys.argv[1] if len(sys.argv) > 1 else ""
    accepted = 0
    for attacks, extra in ((ATTACKS, ()), (HTTPS_ATTACKS, ("--https", "--header-read-timeout-seconds", "2"))):
        chosen = [a for a in attacks if wanted in a.__name__]
        if not chosen:
            continue
        try:
            portal = Portal(*extra)
        except RuntimeError as error:  # e.g. a server without these settings
            for attack in chosen:
                accepted += 1
                print(f"ACCEPTED  {attack.__name__.replace('_', ' ')}: could not be tried: {error}")
            continue
        try:
            for attack in chosen:
                try:
                    refused, seen = attack(portal)
                except Exception as error:  # an attack that cannot be tried counts as a failure
                    refused, seen = False, f"could not be tried: {error!r}"
                verdict = "refused " if refused else "ACCEPTED"
                accepted += 0 if refused else 1
                print(f"{verdict}  {attack.__name__.replace('_', ' ')}: {seen}")
        finally:
            portal.stop()
    print("every attack was refused" if accepted == 0 else f"{accepted} attack(s) ACCEPTED")
    return 1 if accepted else 0


if __name__ == "__main__":
    sys.exit(main())
