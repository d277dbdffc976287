#!/usr/bin/env python3
"""A tiny real SMTP server (or proxy) that answers STARTTLS with 220 and
then carries on in plain text -- what a capture shows behind a
STARTTLS-stripping middlebox, or in a decrypted export. Part of the esaflow
TLS recording rig (testdata/record/tls.sh); standard library only.

  smtp_plain.py --listen 192.0.2.25:25
      server: 220 greeting, EHLO offers STARTTLS, STARTTLS gets
      "220 2.0.0 Ready to start TLS" and no TLS follows; MAIL/RCPT/DATA are
      accepted, the message is read to "." and thrown away, QUIT gets 221.
  smtp_plain.py --listen 192.0.2.25:25 --upstream 127.0.0.1:10025
      proxy: relays each connection to a real MTA, but answers the client's
      STARTTLS itself with 220 (never forwarding it), so the session goes on
      in plain text through the proxy; everything else passes unchanged.
"""
import argparse
import asyncio
import sys


def hostport(s):
    h, p = s.rsplit(":", 1)
    return h, int(p)


async def plain_server(reader, writer):
    out = []

    def send(line):  # a reply's lines go out in one write (one segment)
        out.append(line.encode() + b"\r\n")

    async def flush():
        writer.write(b"".join(out))
        out.clear()
        await writer.drain()

    send("220 mx.example.net ESMTP plain-after-starttls test server")
    await flush()
    in_data = False
    try:
        while True:
            raw = await asyncio.wait_for(reader.readline(), 30)
            if not raw:
                break
            line = raw.rstrip(b"\r\n").decode("latin-1")
            if in_data:
                if line == ".":
                    in_data = False
                    send("250 2.0.0 Ok: queued as PLAIN1")
                else:
                    continue
            else:
                verb = line.split(" ", 1)[0].upper()
                if verb in ("EHLO", "HELO"):
                    if verb == "EHLO":
                        send("250-mx.example.net")
                        send("250-PIPELINING")
                        send("250-SIZE 10240000")
                        send("250-STARTTLS")
                        send("250-8BITMIME")
                        send("250 SMTPUTF8")
                    else:
                        send("250 mx.example.net")
                elif verb == "STARTTLS":
                    send("220 2.0.0 Ready to start TLS")
                elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                    send("250 2.1.0 Ok")
                elif verb == "DATA":
                    send("354 End data with <CR><LF>.<CR><LF>")
                    in_data = True
                elif verb == "QUIT":
                    send("221 2.0.0 Bye")
                    await flush()
                    break
                else:
                    send("502 5.5.2 Error: command not recognized")
            await flush()
    except (asyncio.TimeoutError, ConnectionError):
        pass
    writer.close()


async def pipe(reader, writer):
    try:
        while True:
            b = await reader.read(65536)
            if not b:
                break
            writer.write(b)
            await writer.drain()
    except ConnectionError:
        pass
    try:
        writer.write_eof()
    except (OSError, RuntimeError):
        pass


def proxy_handler(upstream):
    async def handle(creader, cwriter):
        sreader, swriter = await asyncio.open_connection(*upstream)
        down = asyncio.ensure_future(pipe(sreader, cwriter))
        in_data = False
        try:
            while True:
                raw = await creader.readline()
                if not raw:
                    break
                line = raw.rstrip(b"\r\n")
                if in_data:
                    in_data = line != b"."
                elif line.upper() == b"STARTTLS":
                    # answer for the server; the server never sees it
                    cwriter.write(b"220 2.0.0 Ready to start TLS\r\n")
                    await cwriter.drain()
                    continue
                elif line.upper() == b"DATA":
                    in_data = True  # (the 354 comes from the server)
                swriter.write(raw)
                await swriter.drain()
        except ConnectionError:
            pass
        try:
            swriter.write_eof()
        except (OSError, RuntimeError):
            pass
        await down
        cwriter.close()
        swriter.close()
    return handle


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", required=True)
    ap.add_argument("--upstream")
    a = ap.parse_args()
    h, p = hostport(a.listen)
    handler = proxy_handler(hostport(a.upstream)) if a.upstream else plain_server
    srv = await asyncio.start_server(handler, h, p, reuse_address=True)
    print("listening on", a.listen, flush=True)
    async with srv:
        await srv.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
