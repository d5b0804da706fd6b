import numpy as np
import pytest

from app.models.e5_convert import dequantize_q4_0

pytestmark = pytest.mark.unit


def test_q4_0_block_layout():
    # One block: fp16 scale 0.5, then byte j holds value j (low nibble) and j+16 (high nibble).
    scale = np.array([0.5], dtype="<f2").view(np.uint8)
    low = np.arange(16) % 16
    high = (np.arange(16) + 3) % 16
    qs = (low | (high << 4)).astype(np.uint8)
    raw = np.concatenate([scale, qs])
    values = dequantize_q4_0(raw, 1, 32)[0]
    assert values[:16].tolist() == [(v - 8) * 0.5 for v in low]
    assert values[16:].tolist() == [(v - 8) * 0.5 for v in high]
