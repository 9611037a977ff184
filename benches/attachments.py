#!/usr/bin/env python3
"""Managed attachments (RFC 8607) of tens of megabytes: upload and download time, and the
server's resident memory while it streams them.

    cargo build --release
    python3 benches/attachments.py [--binary target/release/davgate] [--sizes 5,50]
                                   [--database-url postgres://postgres@127.0.0.1/postgres]

For each store (the embedded SQLite store; with --database-url also a fresh PostgreSQL
database made on that server and dropped afterwards) the script starts `davgate serve
--demo`, puts one event in alice's default calendar and, for each size in MB:

1. sets the server's peak resident size back to what is resident (/proc/PID/clear_refs),
2. POSTs `?action=attachment-add` with a body of that size, generated and sent 64 KiB at
   a time with its Content-Length (the client never holds the file either),
3. reads VmHWM (the peak during the upload), then GETs the attachment's URL reading 64 KiB
   at a time, checks its SHA-256 against what was sent, and reads VmHWM again,
4. removes the attachment (`attachment-remove`).

A server that held an attachment whole would show a peak growing with the size; the
table shows the peak above the resident size at start, per size. Only the Python
standard library is used.
"""

import argparse
import hashlib
import os
import re
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import davgate_bench  # noqa: E402

BLOCK = 64 * 1024
EVENT = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//davgate bench//EN\r\nBEGIN:VEVENT\r\n"
    "UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{day}T100000Z\r\nDTEND:{day}T110000Z\r\n"
    "SUMMARY:Board meeting\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def blocks(size, seed):
    """`size` bytes in blocks of 64 KiB, the same for the same seed, not compressible."""
    block = hashlib.sha256(seed.encode()).digest() * (BLOCK // 32)
    sent = 0
    counter = 0
    while sent < size:
        n = min(BLOCK, size - sent)
        # Each block differs from the last, so no layer can fold repeats.
        head = counter.to_bytes(8, "big")
        yield (head + block[8:])[:n]
        sent += n
        counter += 1


def digest_of(size, seed):
    h = hashlib.sha256()
    for block in blocks(size, seed):
        h.update(block)
    return h.hexdigest()


def run_store(binary, label, database_url, sizes):
    server = davgate_bench.Server(binary, database_url=database_url)
    rows = []
    try:
        calendar = server.calendars()[0]
        day = time.strftime("%Y%m%d", time.gmtime(time.time() + 86400))
        event_path = f"{calendar}board.ics"
        status, _, body = server.send("PUT", event_path, EVENT.format(uid=uuid.uuid4(), day=day),
                                      content_type="text/calendar")
        if status not in (201, 204):
            sys.exit(f"PUT {event_path}: {status} {body[:200]!r}")
        start_rss = server.rss_mib()
        for size_mb in sizes:
            size = size_mb * 1024 * 1024
            seed = f"{label}-{size_mb}"
            server.peak_reset()
            connection = server.connect(timeout=600)
            began = time.monotonic()
            connection.request(
                "POST", f"{event_path}?action=attachment-add", body=blocks(size, seed),
                headers={
                    "Authorization": davgate_bench.basic(davgate_bench.ALICE),
                    "Content-Type": "application/octet-stream",
                    "Content-Disposition": f"attachment;filename=file-{size_mb}MB.bin",
                    "Content-Length": str(size),
                },
                encode_chunked=False,
            )
            response = connection.getresponse()
            answer = response.read()
            upload_s = time.monotonic() - began
            if response.status != 201:
                sys.exit(f"attachment-add of {size_mb} MB: {response.status} {answer[:300]!r}")
            managed_id = response.getheader("Cal-Managed-ID")
            location = response.getheader("Location")
            upload_peak = server.peak_mib()

            server.peak_reset()
            began = time.monotonic()
            connection.request("GET", location,
                               headers={"Authorization": davgate_bench.basic(davgate_bench.ALICE)})
            response = connection.getresponse()
            fetched = hashlib.sha256()
            received = 0
            while True:
                block = response.read(BLOCK)
                if not block:
                    break
                received += len(block)
                fetched.update(block)
            download_s = time.monotonic() - began
            download_peak = server.peak_mib()
            if response.status != 200 or received != size or fetched.hexdigest() != digest_of(size, seed):
                sys.exit(f"download of {size_mb} MB: {response.status}, {received} bytes, digest differs")

            connection.request(
                "POST", f"{event_path}?action=attachment-remove&managed-id={managed_id}",
                headers={"Authorization": davgate_bench.basic(davgate_bench.ALICE)})
            removed = connection.getresponse()
            removed.read()
            if removed.status != 204:
                sys.exit(f"attachment-remove: {removed.status}")
            connection.close()
            rows.append((size_mb, upload_s, upload_peak, download_s, download_peak))
        return start_rss, rows
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "target", "release", "davgate"))
    parser.add_argument("--sizes", default="5,50", help="attachment sizes in MB")
    parser.add_argument("--database-url", help="a PostgreSQL server (a database is made on it)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    stores = [("SQLite", None)]
    made = None
    if args.database_url:
        made = f"davgate_bench_attach_{os.getpid()}"
        subprocess.run(["psql", args.database_url, "-q", "-c", f"CREATE DATABASE {made}"], check=True)
        stores.append(("PostgreSQL", re.sub(r"/[^/]*$", f"/{made}", args.database_url)))
    try:
        for label, url in stores:
            start_rss, rows = run_store(args.binary, label, url, sizes)
            print(f"\n{label}: resident after start and one event {start_rss:.1f} MiB")
            print("| size | upload | peak RSS in upload | download | peak RSS in download |")
            print("|---:|---:|---:|---:|---:|")
            for size_mb, up_s, up_peak, down_s, down_peak in rows:
                print(f"| {size_mb} MB | {up_s:.2f} s ({size_mb / up_s:.0f} MB/s) | {up_peak:.1f} MiB "
                      f"| {down_s:.2f} s ({size_mb / down_s:.0f} MB/s) | {down_peak:.1f} MiB |")
    finally:
        if made:
            subprocess.run(["psql", args.database_url, "-q", "-c", f"DROP DATABASE IF EXISTS {made}"])


if __name__ == "__main__":
    main()
