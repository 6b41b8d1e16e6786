"""The Hive metastore: embedded Derby (default) or a Postgres database several JVMs share.

Derby, the embedded default, keeps the catalog in ``$VELOS_HOME/metastore_db`` and can be
opened by one JVM at a time: a Thrift server and a ``velos run`` cannot use it together. With
``VELOS_METASTORE=postgres`` the catalog lives in Postgres, so the server stays up while a run
rebuilds the marts.

``velos metastore start`` runs Debian's ``postgresql`` binaries on a cluster of its own under
``$VELOS_HOME/postgres/`` (loopback only, its own port, scram-sha-256 passwords), creates the
metastore role and database once, and keeps the pid in ``postmaster.pid`` as Postgres does.
Spark reaches it through the PostgreSQL JDBC driver from the jar cache (``make jars``); the
password goes into a ``hive-site.xml`` readable by its owner only, never onto a command line.

Environment (all optional): VELOS_METASTORE (derby|postgres), VELOS_METASTORE_HOST (127.0.0.1),
VELOS_METASTORE_PORT (5433), VELOS_METASTORE_DB (metastore), VELOS_METASTORE_USER (velos),
VELOS_METASTORE_PASSWORD (secret; for the local cluster a random one is made once and kept in
``$VELOS_HOME/postgres/password`` when unset).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from pathlib import Path
from xml.sax.saxutils import escape

from loaders.node.processes import port_open
from velos.errors import VelosError
from velos.settings import Settings

LOOPBACK = ("127.0.0.1", "localhost", "::1")
CONNECT_TIMEOUT_S = 5
PG_START_TIMEOUT_S = 60
POSTGRES_OS_USER = "postgres"  # Postgres refuses to run as root: root runs it as this user


def uses_postgres(settings: Settings) -> bool:
    if settings.metastore not in ("derby", "postgres"):
        raise VelosError(
            f"VELOS_METASTORE={settings.metastore!r}: use derby (embedded, the default) or postgres"
        )
    if settings.metastore == "derby" and ":" in str(settings.home):
        # Derby creates a database under such a path, then cannot open it again (XJ040)
        raise VelosError(
            f"VELOS_HOME={settings.home} holds a ':', and the embedded Derby metastore cannot "
            "reopen a catalog under such a path. Choose a VELOS_HOME without ':', or set "
            "VELOS_METASTORE=postgres."
        )
    return settings.metastore == "postgres"


def cluster_dir(settings: Settings) -> Path:
    return settings.home / "postgres"


def jdbc_url(settings: Settings) -> str:
    return (
        f"jdbc:postgresql://{settings.metastore_host}:{settings.metastore_port}/"
        f"{settings.metastore_db}"
    )


def _is_local(settings: Settings) -> bool:
    return settings.metastore_host in LOOPBACK


def password(settings: Settings, *, create: bool = False) -> str:
    """The metastore password: the environment's, else the local cluster's own (made once)."""
    if settings.metastore_password:
        return settings.metastore_password.get_secret_value()
    kept = cluster_dir(settings) / "password"
    if not _is_local(settings):
        raise VelosError(
            f"VELOS_METASTORE_PASSWORD is not set for the metastore at {settings.metastore_host}: "
            "set it in the environment or in .env"
        )
    if not kept.is_file():
        if not create:
            raise VelosError(
                "no metastore password: set VELOS_METASTORE_PASSWORD, or run "
                "`velos metastore start` once to create the local cluster and its password"
            )
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_text(secrets.token_urlsafe(24))
        kept.chmod(0o600)
    return kept.read_text().strip()


# --- checks ----------------------------------------------------------------------------------


def check(settings: Settings, timeout: int = CONNECT_TIMEOUT_S) -> None:
    """Log in to the metastore database; raise a one-line VelosError naming the fix if not."""
    import psycopg

    where = f"{settings.metastore_host}:{settings.metastore_port}"
    try:
        with psycopg.connect(
            host=settings.metastore_host,
            port=settings.metastore_port,
            dbname=settings.metastore_db,
            user=settings.metastore_user,
            password=password(settings),
            connect_timeout=timeout,
        ) as connection:
            connection.execute("select 1")
    except psycopg.OperationalError as error:
        text = str(error)
        if "password authentication failed" in text or "no password supplied" in text:
            raise VelosError(
                f"the Postgres metastore at {where} refused the password of user "
                f"{settings.metastore_user!r}: set the right VELOS_METASTORE_PASSWORD in the "
                "environment or .env"
            ) from None
        if "does not exist" in text:
            raise VelosError(
                f"the Postgres at {where} has no database {settings.metastore_db!r} or role "
                f"{settings.metastore_user!r}: create them (the local cluster: "
                "`velos metastore start`), or fix VELOS_METASTORE_DB / VELOS_METASTORE_USER"
            ) from None
        raise VelosError(
            f"no Postgres metastore answers at {where} (VELOS_METASTORE_HOST/PORT): start the "
            "local one with `velos metastore start`, or point them at yours"
        ) from None


# --- Spark side ------------------------------------------------------------------------------

HIVE_SITE = """\
<?xml version="1.0"?>
<!-- Written by velos/metastore.py on every start: the Postgres Hive metastore. Secret: this
     file holds the password and is readable by its owner only. -->
<configuration>
{properties}
</configuration>
"""


def hive_site_dir(settings: Settings) -> Path:
    """Write ``hive-site.xml`` (0600) for the Postgres metastore; return its folder."""
    conf_dir = settings.home / "metastore-conf"
    conf_dir.mkdir(parents=True, exist_ok=True)
    properties = {
        "javax.jdo.option.ConnectionURL": jdbc_url(settings),
        "javax.jdo.option.ConnectionDriverName": "org.postgresql.Driver",
        "javax.jdo.option.ConnectionUserName": settings.metastore_user,
        "javax.jdo.option.ConnectionPassword": password(settings),
        # the first JVM creates the schema's tables (no Hive schematool here). Not its foreign
        # keys: DataNucleus adds them from a second connection while the first one's open
        # transaction locks the referenced tables, and on Postgres that waits forever.
        "datanucleus.schema.autoCreateAll": "false",
        "datanucleus.schema.autoCreateTables": "true",
        "datanucleus.schema.autoCreateColumns": "true",
        "datanucleus.schema.autoCreateConstraints": "false",
        "hive.metastore.schema.verification": "false",
    }
    body = "\n".join(
        f"  <property><name>{escape(k)}</name><value>{escape(v)}</value></property>"
        for k, v in properties.items()
    )
    path = conf_dir / "hive-site.xml"
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(HIVE_SITE.format(properties=body))
    return conf_dir


def jdbc_jars(settings: Settings) -> Path:
    """The folder holding the PostgreSQL JDBC driver, or a VelosError naming `make jars`."""
    folder = settings.jars_dir / "metastore"
    if not any(folder.glob("postgresql-*.jar")):
        raise VelosError(
            f"the PostgreSQL JDBC driver is missing from {folder}: run `make jars` "
            "(mvn -P metastore dependency:copy-dependencies)"
        )
    return folder


def spark_conf(settings: Settings, base: dict[str, str]) -> dict[str, str]:
    """Spark settings that point ``base`` (the embedded session's) at the chosen metastore.

    Derby: ``base`` unchanged. Postgres: the JDBC URL; the driver needs :func:`classpath` too.
    """
    if not uses_postgres(settings):
        return dict(base)
    return {**base, "spark.hadoop.javax.jdo.option.ConnectionURL": jdbc_url(settings)}


def classpath(settings: Settings) -> list[str]:
    """What the driver's classpath needs for this metastore, after Spark's jars
    (velos.spark_conf.with_classpath_after_spark).

    Derby: nothing. Postgres: the JDBC driver's jar, and the folder of ``hive-site.xml`` (which
    carries the user and password), written here.
    """
    if not uses_postgres(settings):
        return []
    return [f"{jdbc_jars(settings)}/*", str(hive_site_dir(settings))]


# --- the local Postgres cluster --------------------------------------------------------------


def _bin_dir() -> Path:
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
    )
    if not candidates:
        raise VelosError("PostgreSQL is not installed: run `make postgres` (Debian's postgresql)")
    return candidates[-1].parent


def _as_owner(command: list[str]) -> list[str]:
    """Run as the postgres OS user when we are root (Postgres will not run as root)."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", POSTGRES_OS_USER, "--", *command]


def _owned(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(path, POSTGRES_OS_USER, POSTGRES_OS_USER)


def _run(command: list[str], what: str, timeout: float = PG_START_TIMEOUT_S) -> None:
    try:
        subprocess.run(
            _as_owner(command), check=True, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.CalledProcessError as error:
        detail = (error.stderr or error.stdout or "").strip().splitlines()
        raise VelosError(f"{what} failed: {detail[-1] if detail else error}") from None
    except subprocess.TimeoutExpired:
        raise VelosError(f"{what} did not finish within {timeout:.0f}s") from None


def _pid(settings: Settings) -> int | None:
    """The postmaster's pid from ``postmaster.pid``, when that process is alive."""
    try:
        pid = int((cluster_dir(settings) / "data" / "postmaster.pid").read_text().split()[0])
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return None
    return pid


def _socket_dir(settings: Settings) -> Path:
    return cluster_dir(settings) / "run"


def start(settings: Settings) -> str:
    """Start the local Postgres cluster (idempotent) and make sure the metastore role/db exist."""
    if not _is_local(settings):
        raise VelosError(
            f"velos only starts a Postgres on loopback; VELOS_METASTORE_HOST is "
            f"{settings.metastore_host}: start that server yourself"
        )
    base = cluster_dir(settings)
    data, log = base / "data", base / "log" / "postgres.log"
    bin_dir = _bin_dir()
    if _pid(settings) is None:
        if port_open("127.0.0.1", settings.metastore_port):
            raise VelosError(
                f"127.0.0.1:{settings.metastore_port} is already in use by a process velos did "
                "not start; stop it, or set VELOS_METASTORE_PORT to a free port"
            )
        for folder in (base, data, log.parent, _socket_dir(settings)):
            _owned(folder)
        data.chmod(0o700)
        if not (data / "PG_VERSION").is_file():
            _run(
                [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-E", "UTF8",
                 "--no-locale", "--auth-local=trust", "--auth-host=scram-sha-256"],
                "initdb",
            )  # fmt: skip
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={settings.metastore_port} "
            f"-c unix_socket_directories={_socket_dir(settings)}"
        )
        _run(
            [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w",
             "-t", str(PG_START_TIMEOUT_S), "start"],
            f"starting Postgres (see {log})",
        )  # fmt: skip
    _ensure_role_and_database(settings)
    return f"postgres: pid {_pid(settings)} on 127.0.0.1:{settings.metastore_port}, data {data}"


def _ensure_role_and_database(settings: Settings) -> None:
    """Create the metastore role and database once, as the cluster's superuser (socket)."""
    import psycopg
    from psycopg import sql

    secret = password(settings, create=True)
    with psycopg.connect(
        host=str(_socket_dir(settings)),
        port=settings.metastore_port,
        user="postgres",
        dbname="postgres",
        autocommit=True,
    ) as connection:
        role = sql.Identifier(settings.metastore_user)
        if not connection.execute(
            "select 1 from pg_roles where rolname = %s", [settings.metastore_user]
        ).fetchone():
            connection.execute(
                sql.SQL("create role {} login password {}").format(role, sql.Literal(secret))
            )
        if not connection.execute(
            "select 1 from pg_database where datname = %s", [settings.metastore_db]
        ).fetchone():
            connection.execute(
                sql.SQL("create database {} owner {}").format(
                    sql.Identifier(settings.metastore_db), role
                )
            )


def stop(settings: Settings) -> bool:
    """Stop the local cluster (fast shutdown); False when it was not running."""
    if _pid(settings) is None:
        return False
    _run(
        [str(_bin_dir() / "pg_ctl"), "-D", str(cluster_dir(settings) / "data"), "-m", "fast",
         "-w", "stop"],
        "stopping Postgres",
    )  # fmt: skip
    return True


def ensure_running(settings: Settings) -> None:
    """Postgres mode: start the local cluster when nothing answers, then check the login."""
    if not uses_postgres(settings):
        return
    nothing_answers = not port_open(settings.metastore_host, settings.metastore_port)
    if _is_local(settings) and _pid(settings) is None and nothing_answers:
        start(settings)
    check(settings)


def run_action(settings: Settings, action: str) -> str:
    """``velos metastore start|stop|status``."""
    if action == "start":
        return start(settings)
    if action == "stop":
        return "postgres: stopped" if stop(settings) else "postgres: not running"
    pid = _pid(settings)
    where = f"{settings.metastore_host}:{settings.metastore_port}"
    kind = f"metastore: {settings.metastore}"
    if settings.metastore == "derby":
        kind += f" (embedded, {settings.metastore_dir}; one JVM at a time)"
    else:
        kind += f" ({jdbc_url(settings)}, user {settings.metastore_user})"
    local = f"local postgres: pid {pid} on {where}" if pid else "local postgres: not running"
    return f"{kind}; {local}"
