"""The saved form of an intent model: one `.npz` of plain arrays plus JSON metadata, no pickle.

A tenant's model is stored with the tenant and may come back from a database or a file someone
else could have touched, so loading must not run code. `numpy.load(..., allow_pickle=False)` reads
only numeric and fixed-width string arrays; the metadata is a JSON document stored as bytes.
skops would also refuse unknown types, but it is one more dependency to audit for what is, here,
two coefficient matrices, two vocabularies and a few numbers. Layout (format version 1):

- `metadata`: UTF-8 JSON with the format and version, method, classes, threshold, ensemble
  weight, encoder name, vectorizer specs and training facts;
- `tfidf/<name>/terms`, `tfidf/<name>/idf`: a vectorizer's vocabulary in column order, IDF weights;
- `tfidf/coef`, `tfidf/intercept`: the TF-IDF logistic regression (float32);
- `embedding/coef`, `embedding/intercept`: the embedding logistic regression (float32).
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import TYPE_CHECKING, Any

import numpy as np

from agentfloor.agents.nlu.classifiers import (
    VECTORIZER_SPECS,
    EmbeddingClassifier,
    FloatArray,
    TfidfClassifier,
    VectorizerSpec,
)
from agentfloor.agents.nlu.model import IntentMethod
from agentfloor.agents.nlu.ports import TextEncoder
from agentfloor.core.errors import InvalidInput, ProblemDetail

if TYPE_CHECKING:
    from agentfloor.agents.nlu.intents import IntentModel

__all__ = ["FORMAT", "FORMAT_VERSION", "dump_model", "load_model"]

FORMAT = "agentfloor.intent-model"
FORMAT_VERSION = 1


def dump_model(model: IntentModel) -> bytes:
    """Return the model as `.npz` bytes (compressed)."""
    arrays: dict[str, np.ndarray] = {}
    specs: list[dict[str, Any]] = []
    if model.tfidf is not None:
        for spec, terms, idf in model.tfidf.terms():
            specs.append(
                {"name": spec.name, "analyzer": spec.analyzer, "ngram_range": spec.ngram_range}
            )
            arrays[f"tfidf/{spec.name}/terms"] = np.array(terms, dtype=np.str_)
            arrays[f"tfidf/{spec.name}/idf"] = idf
        arrays["tfidf/coef"] = model.tfidf.coef
        arrays["tfidf/intercept"] = model.tfidf.intercept
    if model.embedding is not None:
        arrays["embedding/coef"] = model.embedding.coef
        arrays["embedding/intercept"] = model.embedding.intercept
    metadata = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "method": str(model.method),
        "classes": list(model.classes),
        "threshold": model.threshold,
        "tfidf_weight": model.tfidf_weight,
        "encoder": model.encoder_name,
        "vectorizers": specs,
        "info": model.info,
    }
    arrays["metadata"] = np.frombuffer(json.dumps(metadata).encode(), dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]  # numpy stubs: **kwds
    return buffer.getvalue()


def load_model(data: bytes, encoder: TextEncoder | None) -> IntentModel:
    """Rebuild a model from `dump_model` bytes without refitting anything.

    Raises:
        InvalidInput: not an intent model of a version we read, damaged arrays, or an encoder
            that is missing or not the one the model was trained with.
    """
    from agentfloor.agents.nlu.intents import IntentModel

    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
        metadata = json.loads(arrays["metadata"].tobytes().decode())
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise _bad("the data is not a saved intent model") from exc
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise _bad("the data is not a saved intent model")
    if metadata.get("version") != FORMAT_VERSION:
        raise _bad(f"intent model format version {metadata.get('version')!r} is not supported")
    try:
        method = IntentMethod(metadata["method"])
        classes = tuple(str(c) for c in metadata["classes"])
        tfidf = (
            _tfidf(metadata, arrays, len(classes)) if method is not IntentMethod.MINILM else None
        )
        embedding = (
            EmbeddingClassifier(
                _matrix(arrays, "embedding/coef", len(classes)),
                _vector(arrays, "embedding/intercept", len(classes)),
            )
            if method.needs_encoder
            else None
        )
        threshold = float(metadata["threshold"])
        weight = float(metadata["tfidf_weight"])
        info = {str(k): v for k, v in dict(metadata.get("info") or {}).items()}
    except (KeyError, TypeError, ValueError) as exc:
        raise _bad(f"the saved intent model is damaged: {exc}") from exc
    trained_with = metadata.get("encoder")
    if method.needs_encoder:
        if encoder is None:
            raise _bad(f"this {method} model needs the sentence encoder {trained_with!r}")
        if encoder.name != trained_with:
            raise _bad(
                f"this model was trained with encoder {trained_with!r} but {encoder.name!r} "
                "was given; retrain it with the new encoder"
            )
    return IntentModel(
        method=method,
        classes=classes,
        threshold=threshold,
        tfidf_weight=weight,
        tfidf=tfidf,
        embedding=embedding,
        encoder=encoder if method.needs_encoder else None,
        encoder_name=trained_with if method.needs_encoder else None,
        info=info,
    )


def _tfidf(metadata: dict[str, Any], arrays: dict[str, np.ndarray], n: int) -> TfidfClassifier:
    known = {spec.name: spec for spec in VECTORIZER_SPECS}
    parts: list[tuple[VectorizerSpec, list[str], FloatArray]] = []
    width = 0
    for entry in metadata["vectorizers"]:
        spec = known.get(str(entry["name"]))
        # Rebuild only vectorizers this code defines: the file names one, it does not define it.
        if spec is None or [spec.analyzer, list(spec.ngram_range)] != [
            entry["analyzer"],
            list(entry["ngram_range"]),
        ]:
            raise ValueError(f"unknown vectorizer {entry!r}")
        terms = arrays[f"tfidf/{spec.name}/terms"]
        idf = arrays[f"tfidf/{spec.name}/idf"].astype(np.float32)
        if terms.dtype.kind != "U" or terms.ndim != 1 or idf.shape != terms.shape:
            raise ValueError(f"vectorizer {spec.name!r} terms and IDF weights do not match")
        parts.append((spec, [str(t) for t in terms], idf))
        width += len(terms)
    coef = _matrix(arrays, "tfidf/coef", n)
    if coef.shape[1] != width:
        raise ValueError(f"tfidf/coef has {coef.shape[1]} columns for {width} terms")
    return TfidfClassifier.from_vocabulary(parts, coef, _vector(arrays, "tfidf/intercept", n))


def _matrix(arrays: dict[str, np.ndarray], name: str, rows: int) -> FloatArray:
    value = arrays[name]
    if value.dtype.kind != "f" or value.ndim != 2 or value.shape[0] != rows:
        raise ValueError(f"{name} should be a float matrix with {rows} rows")
    return value.astype(np.float32)


def _vector(arrays: dict[str, np.ndarray], name: str, size: int) -> FloatArray:
    value = arrays[name]
    if value.dtype.kind != "f" or value.shape != (size,):
        raise ValueError(f"{name} should be {size} floats")
    return value.astype(np.float32)


def _bad(message: str) -> InvalidInput:
    return InvalidInput(message, problems=[ProblemDetail("model", message)])
