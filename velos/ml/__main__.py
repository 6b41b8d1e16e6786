"""The segment step as a plain script: ``python -m velos.ml`` or, with Spark's own launcher,

    spark-submit --driver-class-path ".velos/jars/delta/*" \
        --driver-java-options "-Dderby.system.home=.velos" velos/ml/__main__.py

(from the project root, with the project's Python as PYSPARK_PYTHON; spark-submit starts the
driver's JVM, so the Delta jars and Derby's home, which the embedded session sets when it
starts its own, go on its command line). It reads the marts of the warehouse under
VELOS_HOME and writes the same tables as `velos segment`.
"""

from __future__ import annotations

import sys

from velos import settings as settings_module
from velos.errors import USER_ERRORS
from velos.ml.step import run_segment
from velos.spark import get_session


def main() -> int:
    try:
        settings = settings_module.load()
        report = run_segment(get_session(settings), settings)
    except USER_ERRORS as error:
        print(f"velos segment: error: {error}", file=sys.stderr)
        return 2
    print(f"velos segment: {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
