"""An SMTP server on loopback for tests/imip.rs: records every message it accepts.

Usage: smtp_recorder.py OUT_DIR [--refuse CODE] [--cert CERT --key KEY]

Listens on 127.0.0.1 on a free port and prints "PORT <n>" once it accepts connections.
Each accepted message is written to OUT_DIR as <n>.json (written to a temporary name
first, then renamed, so a reader never sees half a file):

  envelope_from, envelope_to: the SMTP envelope (MAIL FROM, RCPT TO)
  raw: the message as received, base64
  headers: [[name, value], ...] of the top level, values unfolded as received
  content_type, params: the top-level media type and its parameters
  parts: for a multipart message, each part's content_type, params,
         transfer_encoding and decoded body (base64)

With --refuse CODE every message is answered CODE (e.g. 550) after DATA and nothing is
written. With --cert and --key the server offers STARTTLS and requires it before MAIL.
"""

import argparse
import asyncio
import base64
import email
import email.policy
import json
import os
import socket
import ssl
import sys

from aiosmtpd.controller import Controller


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def describe(raw, envelope_from, envelope_to):
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    record = {
        "envelope_from": envelope_from,
        "envelope_to": list(envelope_to),
        "raw": base64.b64encode(raw).decode(),
        "headers": [[k, v] for k, v in message.items()],
        "content_type": message.get_content_type(),
        "params": dict((k.lower(), v) for k, v in (message.get_params() or [])[1:]),
        "parts": [],
    }
    if message.is_multipart():
        for part in message.get_payload():
            payload = part.get_payload(decode=True) or b""
            record["parts"].append(
                {
                    "content_type": part.get_content_type(),
                    "params": dict(
                        (k.lower(), v) for k, v in (part.get_params() or [])[1:]
                    ),
                    "transfer_encoding": part.get("Content-Transfer-Encoding", ""),
                    "body": base64.b64encode(payload).decode(),
                }
            )
    return record


class Recorder:
    def __init__(self, out_dir, refuse):
        self.out_dir = out_dir
        self.refuse = refuse
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return f"{self.refuse} 5.7.1 Message refused by the test relay"
        self.count += 1
        record = describe(envelope.original_content, envelope.mail_from, envelope.rcpt_tos)
        path = os.path.join(self.out_dir, f"{self.count}.json")
        with open(path + ".tmp", "w") as f:
            json.dump(record, f)
        os.rename(path + ".tmp", path)
        return "250 OK"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out_dir")
    parser.add_argument("--refuse")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    args = parser.parse_args()

    tls_context = None
    if args.cert:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(args.cert, args.key)

    port = free_port()
    controller = Controller(
        Recorder(args.out_dir, args.refuse),
        hostname="127.0.0.1",
        port=port,
        tls_context=tls_context,
        require_starttls=tls_context is not None,
        ready_timeout=10,
    )
    controller.start()
    print(f"PORT {port}", flush=True)
    try:
        # Until the test ends (closes stdin or kills the process).
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
