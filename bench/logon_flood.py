#!/usr/bin/env python3
"""Logon attempts one address can make against a wrong password (issue 14, logon throttling).

Starts CRIXD on the sample market with a fresh ledger in a scratch folder, makes Logons with a wrong
password over raw TCP connections from 127.0.0.1, one after another, for SECONDS, and prints the attempts
per second, how many reached the password check ("wrong password") and how many were refused while
waiting (back-off or lockout), the warning lines crixd logged for them, and whether the right password
then logs on. Run it for main's crixd and for this branch's:

    python3 bench/logon_flood.py build/release/gateway/crixd --seconds 10
"""
import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "..", "config", "sample")
WHO = "HB-TANGSHAN-IRON"
RIGHT = "demo-hb-tangshan-iron"


def frame(fields):
    body = "".join(f"{tag}={value}\x01" for tag, value in fields)
    head = f"8=FIX.4.4\x019={len(body)}\x01"
    msg = head + body
    return (msg + "10=%03d\x01" % (sum(msg.encode()) % 256)).encode()


def logon(port, password):
    """'' when logged on, else the Logout's Text(58) (or '(closed)')."""
    now = time.strftime("%Y%m%d-%H:%M:%S", time.gmtime())
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(frame([(35, "A"), (49, WHO), (56, "CRIX"), (34, 1), (52, now), (98, 0), (108, 30), (141, "Y"),
                         (553, WHO), (554, password)]))
        got = b""
        while b"\x0110=" not in got:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
    text = got.decode(errors="replace")
    if "\x0135=A\x01" in text:
        return ""
    m = re.search("\x0158=([^\x01]*)", text)
    return m.group(1) if m else "(closed)"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("crixd")
    ap.add_argument("--seconds", type=float, default=10)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="logon-flood-")
    try:
        for name in os.listdir(SAMPLE):
            shutil.copy(os.path.join(SAMPLE, name), work)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        err = open(os.path.join(work, "stderr"), "w")
        crixd = subprocess.Popen([args.crixd, "--market", os.path.join(work, "market.toml"), "--ledger",
                                  os.path.join(work, "crix.ledger"), "--port", str(port), "--sync", "os",
                                  "--log-dir", os.path.join(work, "logs"), "--http", "127.0.0.1:0"], stderr=err)
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        attempts, wrong, waited, other = 0, 0, 0, 0
        t0 = time.monotonic()
        while time.monotonic() - t0 < args.seconds:
            text = logon(port, "guess-%d" % attempts)
            attempts += 1
            if text.startswith("wrong password"):
                wrong += 1
            elif "retry after" in text:
                waited += 1
            else:
                other += 1
        elapsed = time.monotonic() - t0
        right = logon(port, RIGHT)
        crixd.terminate()
        crixd.wait(30)
        err.close()
        log = open(os.path.join(work, "stderr"), errors="replace").read()
        lines = sum(1 for line in log.splitlines() if "logon refused" in line or "failed logons" in line)
        print(f"{attempts} attempts in {elapsed:.1f} s: {attempts / elapsed:.0f}/s; {wrong} reached the password "
              f"check ({wrong / elapsed:.1f}/s), {waited} refused while waiting, {other} other; {lines} warning "
              f"lines; then the right password: {'logged on' if right == '' else 'refused: ' + right}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
