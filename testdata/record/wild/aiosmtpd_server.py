"""aiosmtpd server for wild.sh: answers MAIL FROM with a reply that carries
only an enhanced status code, no 3-digit code: "4.7.0 Try again later".
Usage: python3 aiosmtpd_server.py ADDR PORT"""
import asyncio
import sys

from aiosmtpd.smtp import SMTP


class Handler:
    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        return "4.7.0 Try again later"


async def main(addr, port):
    loop = asyncio.get_running_loop()
    srv = await loop.create_server(
        lambda: SMTP(Handler(), hostname="mx.example.net", ident="aiosmtpd"), addr, port)
    print("listening", flush=True)
    async with srv:
        await srv.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
