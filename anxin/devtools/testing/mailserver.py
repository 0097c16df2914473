"""Real mail servers for tests and benches: Debian's dovecot (IMAP) on a loopback port, aiosmtpd (SMTP).

Dovecot runs as root here (CI and the dev machine are root) and stores the mailbox as uid `nobody`; the
whole server lives in one temporary directory and is stopped again on exit.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
NOBODY = 65534

CONFIG = """protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={uid}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def dovecot_available() -> bool:
    return os.path.exists(DOVECOT) and os.geteuid() == 0


@contextmanager
def dovecot(user: str = "service", password: str = "secret"):
    """Start dovecot; yields (port, user, password)."""
    root = Path(tempfile.mkdtemp(prefix="anxin-imap-"))
    os.chmod(root, 0o755)
    (root / "mail").mkdir()
    os.chown(root / "mail", NOBODY, NOBODY)
    port = free_port()
    (root / "passwd").write_text(f"{user}:{password}\n")
    config = root / "dovecot.conf"
    config.write_text(CONFIG.format(root=root, port=port, uid=NOBODY))
    subprocess.run([DOVECOT, "-c", str(config)], check=True)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield port, user, password
    finally:
        subprocess.run([DOVECOT, "-c", str(config), "stop"], check=False, capture_output=True)
        for _ in range(50):
            if not (root / "run" / "master.pid").exists():
                break
            time.sleep(0.05)
        shutil.rmtree(root, ignore_errors=True)


def imap_append(port: int, user: str, password: str, messages: list[bytes], folder: str = "INBOX") -> None:
    from imapclient import IMAPClient

    with IMAPClient("127.0.0.1", port=port, ssl=False) as client:
        client.login(user, password)
        for raw in messages:
            client.append(folder, raw)


def imap_flags(port: int, user: str, password: str, folder: str = "INBOX") -> dict[int, tuple]:
    from imapclient import IMAPClient

    with IMAPClient("127.0.0.1", port=port, ssl=False) as client:
        client.login(user, password)
        client.select_folder(folder, readonly=True)
        return {uid: data[b"FLAGS"] for uid, data in client.fetch(client.search(["ALL"]), ["FLAGS"]).items()}


@contextmanager
def smtp_sink():
    """An SMTP server on loopback that keeps every message it receives; yields (port, messages)."""
    from aiosmtpd.controller import Controller

    received: list = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 — aiosmtpd's hook name
            received.append(envelope)
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()
