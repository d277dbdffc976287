#!/usr/bin/env python3
"""A scripted SMTP client (Python smtplib, the system OpenSSL), STARTTLS or
implicit TLS, that logs its TLS secrets (ssl.SSLContext.keylog_filename, NSS
key log format). Part of the esaflow TLS recording rig
(testdata/record/tls.sh), used by the tls_kl_* scenarios; standard library
only.

  kl_smtp.py --server 192.0.2.25 --cafile CA --keylog FILE --msg MSG SCRIPT
      [--implicit] [--port N] [--max 1.2|1.3] [--ciphers OPENSSL_CIPHER_STRING]
      [--no-etm] [--from ADDR] [--to ADDR] [--pause S]

--implicit: smtplib.SMTP_SSL, TLS from the first byte (port 465 unless
--port says otherwise), no STARTTLS; the greeting comes inside TLS. In both
modes the server's certificate is checked for mx.example.net (we connect by
address).

SCRIPT says what to do after STARTTLS + EHLO (--implicit: after the
greeting + EHLO); each command waits for its whole reply, nothing is
pipelined:
  deliver           MAIL, RCPT, DATA, the message, ".", QUIT
  rcpt_refused      MAIL, RCPT (expected 5xx), QUIT
  sender_refused    MAIL (expected 5xx), QUIT
  reset_after_rcpt  MAIL, RCPT, then SO_LINGER {1, 0} and close(): the
                    client's kernel sends a RST (no close_notify, no FIN)
  wait_after_rcpt   MAIL, RCPT, then wait --pause seconds for the server to
                    cut the session (a server-side reset), and report it
  greeting_refused  --implicit only: the server's greeting is not 220;
                    smtplib.SMTP_SSL() raises SMTPConnectError (it has
                    already closed its socket: no close_notify, no QUIT),
                    the script catches it, closes and reports the reply
--ciphers sets the TLS 1.2 cipher list (SSLContext.set_ciphers; TLS 1.3
suites are not affected by it); --no-etm sets SSL_OP_NO_ENCRYPT_THEN_MAC
(bit 19 of OpenSSL 3.0's options; Python has no name for it).
"""
import argparse
import smtplib
import socket
import ssl
import struct
import sys
import time

SSL_OP_NO_ENCRYPT_THEN_MAC = 1 << 19

p = argparse.ArgumentParser()
p.add_argument("--server", required=True)
p.add_argument("--port", type=int)
p.add_argument("--implicit", action="store_true")
p.add_argument("--cafile", required=True)
p.add_argument("--keylog", required=True)
p.add_argument("--msg", required=True)
p.add_argument("--max", choices=["1.2", "1.3"])
p.add_argument("--ciphers")
p.add_argument("--no-etm", action="store_true")
p.add_argument("--from", dest="sender", default="sender@example.org")
p.add_argument("--to", dest="rcpt", default="rcpt@example.net")
p.add_argument("--pause", type=float, default=5)
p.add_argument("script", choices=["deliver", "rcpt_refused", "sender_refused", "reset_after_rcpt", "wait_after_rcpt", "greeting_refused"])
a = p.parse_args()
if a.script == "greeting_refused" and not a.implicit:
    p.error("greeting_refused needs --implicit")
if a.port is None:
    a.port = 465 if a.implicit else 25
TLS_NAME = "mx.example.net"  # the name to verify (we connect by address)


def say(*args):
    print("kl_smtp:", *args, flush=True)


ctx = ssl.create_default_context(cafile=a.cafile)
ctx.keylog_filename = a.keylog
if a.max == "1.2":
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
if a.ciphers:
    ctx.set_ciphers(a.ciphers)
if a.no_etm:
    ctx.options |= SSL_OP_NO_ENCRYPT_THEN_MAC


class SMTPS(smtplib.SMTP_SSL):
    """SMTP_SSL whose handshake (in the constructor) checks TLS_NAME, not
    the address it connects to."""

    def _get_socket(self, host, port, timeout):
        self._host = TLS_NAME
        return super()._get_socket(host, port, timeout)


if a.implicit:
    try:
        s = SMTPS(a.server, a.port, local_hostname="client.example.org", timeout=10, context=ctx)
    except smtplib.SMTPConnectError as e:
        # the greeting was not 220: SMTP.__init__ has closed the socket
        # already (plain close: FIN, no close_notify)
        say("greeting refused", e.smtp_code, e.smtp_error)
        if a.script == "greeting_refused":
            say("closed (no QUIT)")
            sys.exit(0)
        sys.exit(1)
    except Exception as e:
        say("error", type(e).__name__, e)
        sys.exit(1)
    if a.script == "greeting_refused":
        say("greeting accepted, not refused")
        s.close()
        sys.exit(1)
else:
    s = smtplib.SMTP(a.server, a.port, local_hostname="client.example.org", timeout=10)
    s._host = TLS_NAME
try:
    if a.implicit:
        tls = s.sock
        say("tls", tls.version(), tls.cipher())
        say("ehlo", s.ehlo()[0])
    else:
        say("ehlo", s.ehlo())
        say("starttls", s.starttls(context=ctx))
        tls = s.sock
        say("tls", tls.version(), tls.cipher())
        say("ehlo", s.ehlo()[0])
    code, text = s.mail(a.sender)
    say("mail", code, text)
    if a.script == "sender_refused":
        say("quit", s.quit())
        sys.exit(0)
    code, text = s.rcpt(a.rcpt)
    say("rcpt", code, text)
    if a.script == "rcpt_refused":
        say("quit", s.quit())
        sys.exit(0)
    if a.script == "reset_after_rcpt":
        time.sleep(0.5)
        tls.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        tls.close()  # no SSL_shutdown: no close_notify; linger 0: RST
        say("closed with SO_LINGER 0 (RST)")
        sys.exit(0)
    if a.script == "wait_after_rcpt":
        tls.settimeout(a.pause)
        try:
            got = tls.recv(4096)
            say("server sent", got)
        except Exception as e:  # the server's RST: ConnectionResetError
            say("server cut the session:", type(e).__name__, e)
        sys.exit(0)
    code, text = s.data(open(a.msg, "rb").read())
    say("data", code, text)
    say("quit", s.quit())
except Exception as e:
    say("error", type(e).__name__, e)
    sys.exit(1)
