# velos in a container: the same two commands as on a workstation (make demo, make test).
#   docker build -t velos .
#   docker run --rm velos                 # make demo on the embedded Spark
#   docker compose up -d                  # the whole stack: cassandra, metastore, spark-thrift,
#                                         # pipeline (docker-compose.yml; set .env first)
FROM python:3.11-slim-bookworm

RUN apt-get update \
    && apt-get install -y --no-install-recommends openjdk-17-jre-headless maven make procps \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /velos
# dependencies first, so that code changes do not reinstall them
COPY requirements.txt pyproject.toml pom.xml Makefile ./
COPY velos/__init__.py velos/__init__.py
COPY loaders/__init__.py loaders/__init__.py
RUN make setup

COPY . .
RUN .venv/bin/pip install -q --no-deps -e .

ENV VELOS_HOME=/velos/.velos
ENV PATH=/velos/.venv/bin:$PATH
CMD ["make", "demo"]
