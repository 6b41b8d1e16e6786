"""The node's configuration files, from the templates beside this module, and its TLS key.

Secrets stay out of sight: the keystore password reaches keytool through a file readable by
its owner only (never its command line, which ``ps`` shows to everyone), and the files that
hold it (the password file, cassandra.yaml) are created with mode 0600 in a 0700 folder.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from importlib import resources
from pathlib import Path
from string import Template

from loaders.errors import LoaderError
from loaders.node.config import NodeConfig

SUBDIRS = ("conf", "triggers", "data", "commitlog", "saved_caches", "hints", "cdc_raw", "logs")


def template(name: str) -> str:
    return resources.files("loaders.node").joinpath(name).read_text(encoding="utf-8")


def jvm_options() -> list[str]:
    """The JVM flags of jvm17-server.options (one option a line; ``--add-opens X`` is two)."""
    options: list[str] = []
    for line in template("jvm17-server.options").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            options.extend(line.split(" ", 1))
    return options


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only, from the first byte on."""
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


def self_signed_certificate(
    keystore: Path, certificate: Path, password_file: Path, name: str, address: str = "127.0.0.1"
) -> None:
    """A self-signed key pair for ``address`` in a PKCS12 ``keystore``, its certificate as PEM.

    Made with keytool, which comes with the JDK the node already needs. The password is read
    by keytool from ``password_file`` (``-storepass:file``).
    """
    keytool = [
        "keytool", "-noprompt", "-storetype", "PKCS12", "-keystore", str(keystore),
        "-storepass:file", str(password_file), "-alias", "velos",
    ]  # fmt: skip
    keystore.unlink(missing_ok=True)
    try:
        subprocess.run(
            [*keytool, "-genkeypair", "-keyalg", "RSA", "-keysize", "2048", "-validity", "3650",
             "-dname", f"CN={name}", "-keypass:file", str(password_file),
             "-ext", f"SAN=ip:{address},dns:localhost"],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        subprocess.run(
            [*keytool, "-exportcert", "-rfc", "-file", str(certificate)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        raise LoaderError(
            f"cannot make a TLS certificate with keytool (from the JDK): {detail.strip()[:300]}"
        ) from None


def _make_folders(node: NodeConfig) -> None:
    """The node's folders; its conf (keys, passwords) readable by its owner only."""
    for sub in SUBDIRS:
        (node.dir / sub).mkdir(parents=True, exist_ok=True)
    node.conf_dir.chmod(0o700)


def _keystore(node: NodeConfig) -> tuple[Path, Path]:
    return node.conf_dir / "node-keystore.p12", node.conf_dir / "node-keystore.password"


def ensure_certificate(node: NodeConfig) -> Path:
    """Make the node's TLS key pair once (naming its own address); its certificate."""
    keystore, password_file = _keystore(node)
    if not (keystore.is_file() and password_file.is_file() and node.certificate.is_file()):
        _make_folders(node)
        write_private(password_file, secrets.token_urlsafe(18))
        self_signed_certificate(
            keystore, node.certificate, password_file,
            f"velos local node {node.listen_address}", node.listen_address,
        )  # fmt: skip
    return node.certificate


def _client_encryption(node: NodeConfig) -> str:
    """The yaml section of client TLS, with the node's key pair."""
    ensure_certificate(node)
    keystore, password_file = _keystore(node)
    return Template(template("client_encryption.yaml")).substitute(
        keystore=keystore, password=password_file.read_text().strip()
    )


def write_config(node: NodeConfig) -> Path:
    """cassandra.yaml and logback.xml of ``node`` (rewritten on every start); the conf dir."""
    _make_folders(node)
    seeds = node.seeds or (node.listen_address,)
    yaml = Template(template("cassandra.yaml")).substitute(
        cluster_name=node.cluster_name,
        listen=node.listen_address,
        seeds=",".join(f"{seed}:{node.storage_port}" for seed in seeds),
        storage_port=node.storage_port,
        native_port=node.native_port,
        node_dir=node.dir,
        authenticator="PasswordAuthenticator" if node.auth else "AllowAllAuthenticator",
        authorizer="CassandraAuthorizer" if node.auth else "AllowAllAuthorizer",
        auth_read_consistency="LOCAL_QUORUM" if len(seeds) >= 3 else "LOCAL_ONE",
        client_encryption=_client_encryption(node) if node.auth else "",
    )
    write_private(node.conf_dir / "cassandra.yaml", yaml)
    logback = Template(template("logback.xml")).substitute(log_dir=node.dir / "logs")
    (node.conf_dir / "logback.xml").write_text(logback, encoding="utf-8")
    return node.conf_dir
