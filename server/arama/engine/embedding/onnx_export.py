"""Export a sentence-transformers model to ONNX; run as a child process of the server.

    python -m arama.engine.embedding.onnx_export \
        --source DIR_OR_NAME --model-id ID --out DIR [--int8]

This is the only place the ONNX backend touches torch, and it runs in its own process so that
torch's few hundred MB never enter the server. It loads the model offline, traces the whole
sentence-transformers pipeline (transformer, pooling, normalization) with `torch.onnx.export`,
saves the tokenizer configured with the model's truncation and padding, then checks the result:
onnxruntime must load it and reproduce torch's vectors (fp32: within 1e-4, int8: within 0.1).
Everything is written to a temporary directory beside `--out` and renamed into place only when
complete, so a crash never leaves a half-written export under the final name.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from arama.engine.embedding.onnx_embedder import (
    EXPORT_FORMAT,
    INFO_FILE,
    MODEL_FILE,
    TOKENIZER_FILE,
    ExportInfo,
    _Runner,
    import_onnxruntime,
)

OPSET = 17
INPUT_ORDER = ("input_ids", "attention_mask", "token_type_ids")
FUSABLE = ("bert",)  # model types ONNX Runtime's BERT fusion understands
FP32_TOLERANCE = 1e-4
INT8_TOLERANCE = 0.1
# Check texts: short and long (truncated), code and prose, non-ASCII, blank; mixed lengths so the
# check also covers padding inside one batch.
CHECK_TEXTS = (
    "where are embeddings cached on disk",
    "def add(a: int, b: int) -> int:\n    return a + b\n",
    "class Catalog:\n    " + "def method(self, x):\n        return self.table[x] * 2\n    " * 60,
    "İstanbul'da çalışan ağ sunucusu: ğ ü ş ı ö ç",
    "   ",
    "x",
)


def _load_model(source: str, threads: int | None) -> Any:
    import torch
    from sentence_transformers import SentenceTransformer

    if threads:
        torch.set_num_threads(threads)
    try:
        # Eager attention traces to the plain MatMul/Softmax pattern that ONNX Runtime's
        # optimizer fuses; the same numbers as sdpa (within 1e-6).
        model = SentenceTransformer(
            source, device="cpu", model_kwargs={"attn_implementation": "eager"}
        )
    except Exception:
        model = SentenceTransformer(source, device="cpu")
    model.eval()
    return model


def _save_tokenizer(model: Any, path: Path) -> None:
    """The model's fast tokenizer, truncating and padding the way sentence-transformers does:
    longest-first truncation at the model's max_seq_length, padding to the longest in a batch."""
    import tokenizers

    hf = model.tokenizer
    backend = getattr(hf, "backend_tokenizer", None)
    if backend is None:
        raise SystemExit("the model has no fast (tokenizers) tokenizer; ONNX needs one")
    tokenizer = tokenizers.Tokenizer.from_str(backend.to_str())
    tokenizer.no_truncation()
    tokenizer.no_padding()
    tokenizer.enable_truncation(
        max_length=int(model.max_seq_length), direction=getattr(hf, "truncation_side", "right")
    )
    pad_id = hf.pad_token_id if hf.pad_token_id is not None else 0
    tokenizer.enable_padding(
        direction=getattr(hf, "padding_side", "right"),
        pad_id=int(pad_id),
        pad_type_id=int(getattr(hf, "pad_token_type_id", 0) or 0),
        pad_token=str(hf.pad_token or "[PAD]"),
    )
    tokenizer.save(str(path))


def _trace(model: Any, path: Path) -> tuple[str, ...]:
    """`torch.onnx.export` of the full pipeline, dynamic in batch and sequence length."""
    import torch

    features = model.preprocess(["a short text", "and a somewhat longer one, to pad the first"])
    names = tuple(name for name in INPUT_ORDER if name in features)

    class Pipeline(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *tensors: Any) -> Any:
            return self.model(dict(zip(names, tensors, strict=True)))["sentence_embedding"]

    axes = {name: {0: "batch", 1: "sequence"} for name in names}
    axes["sentence_embedding"] = {0: "batch"}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer warnings about shape-dependent Python branches
        torch.onnx.export(
            Pipeline().eval(),
            tuple(features[name] for name in names),
            str(path),
            input_names=list(names),
            output_names=["sentence_embedding"],
            dynamic_axes=axes,
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,  # the TorchScript exporter: one self-contained file, no extra packages
        )
    return names


def _fuse(model: Any, plain: Path, fused: Path) -> bool:
    """ONNX Runtime's BERT graph fusion (one Attention node per layer, fused layer norms and
    GELU): about 10% less CPU and a third less peak memory than the traced graph. Only for
    BERT-family models, and only kept if the attention really fused (and, later, if it still
    matches torch)."""
    config = model[0].auto_model.config
    if getattr(config, "model_type", None) not in FUSABLE:
        return False
    from onnxruntime.transformers.optimizer import optimize_model

    optimized = optimize_model(
        str(plain),
        model_type="bert",
        num_heads=int(config.num_attention_heads),
        hidden_size=int(config.hidden_size),
        opt_level=1,
    )
    if not optimized.get_fused_operator_statistics().get("Attention"):
        return False
    optimized.save_model_to_file(str(fused))
    return True


def _quantize(fp32: Path, int8: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # The fused graph's contrib operators defeat the quantizer's shape inference: their outputs
    # are float, say so.
    quantize_dynamic(
        str(fp32),
        str(int8),
        weight_type=QuantType.QInt8,
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )


def _candidates(model: Any, work: Path, int8: bool) -> list[tuple[str, Path]]:
    """Graphs to try, best first: fused (if it fuses), then the plain trace."""
    plain = work / "plain.onnx"
    _trace(model, plain)
    graphs = [("plain", plain)]
    try:
        if _fuse(model, plain, work / "fused.onnx"):
            graphs.insert(0, ("fused", work / "fused.onnx"))
    except Exception as exc:  # an optimizer failure costs speed, not the export
        print(f"graph fusion skipped: {exc}", file=sys.stderr)
    if not int8:
        return graphs
    quantized = []
    for name, graph in graphs:
        target = work / f"{name}-int8.onnx"
        try:
            _quantize(graph, target)
        except Exception as exc:
            print(f"int8 quantization of the {name} graph failed: {exc}", file=sys.stderr)
            continue
        quantized.append((f"{name}-int8", target))
    return quantized


def export(source: str, model_id: str, out: Path, *, int8: bool, threads: int | None) -> ExportInfo:
    started = time.perf_counter()
    model = _load_model(source, threads)
    out.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))  # mode 0700
    try:
        _save_tokenizer(model, work / TOKENIZER_FILE)
        features = model.preprocess(["x"])
        info = ExportInfo(
            format=EXPORT_FORMAT,
            model_id=model_id,
            quantized=int8,
            dimension=int(model.get_embedding_dimension()),
            max_length=int(model.max_seq_length),
            do_lower_case=bool(getattr(model[0], "do_lower_case", False)),
            inputs=tuple(name for name in INPUT_ORDER if name in features),
            max_abs_diff=float("nan"),
            seconds=0.0,
        )
        expected = np.asarray(
            model.encode(list(CHECK_TEXTS), normalize_embeddings=True, convert_to_numpy=True),
            dtype=np.float32,
        )
        tolerance = INT8_TOLERANCE if int8 else FP32_TOLERANCE
        problems: list[str] = []
        chosen: tuple[str, float] | None = None
        for name, graph in _candidates(model, work, int8):
            try:
                got = _Runner(work, info, threads, model_file=graph).run(CHECK_TEXTS)
            except Exception as exc:
                problems.append(f"{name}: does not run ({exc})")
                continue
            diff = float(np.max(np.abs(got - expected)))
            if diff <= tolerance:
                graph.replace(work / MODEL_FILE)
                chosen = (name, diff)
                break
            problems.append(f"{name}: differs from torch by {diff:.2e} (> {tolerance})")
        if chosen is None:
            raise SystemExit("no usable ONNX graph: " + "; ".join(problems))
        for leftover in work.glob("*.onnx"):
            if leftover.name != MODEL_FILE:
                leftover.unlink()
        info = dataclasses.replace(
            info, max_abs_diff=chosen[1], seconds=round(time.perf_counter() - started, 2)
        )
        record = {**info.as_json(), "graph": chosen[0], "versions": _versions()}
        (work / INFO_FILE).write_text(json.dumps(record, indent=1) + "\n")
        for item in work.iterdir():
            item.chmod(0o600)
        try:
            work.rename(out)
        except OSError:
            if not (out / INFO_FILE).exists():  # not another process's finished export
                raise
        return info
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    return {
        d: version(d) for d in ("torch", "transformers", "sentence-transformers", "onnxruntime")
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Export a sentence-transformers model to ONNX.")
    parser.add_argument("--source", required=True, help="model directory or name")
    parser.add_argument("--model-id", required=True, help="the cache identity, recorded")
    parser.add_argument("--out", required=True, type=Path, help="directory to create")
    parser.add_argument("--int8", action="store_true", help="dynamic int8 quantization")
    parser.add_argument("--threads", type=int)
    args = parser.parse_args(argv)
    _exit_with_parent()
    _stop_on_terminate()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.umask(0o077)
    import_onnxruntime(args.out.parent)  # first, so that every later import is the confined one
    info = export(args.source, args.model_id, args.out, int8=args.int8, threads=args.threads)
    print(
        f"exported {args.source} to {args.out} in {info.seconds:.1f} s "
        f"(max |onnx - torch| = {info.max_abs_diff:.2e})",
        file=sys.stderr,
    )
    return 0


def _stop_on_terminate() -> None:
    """Ctrl-C in a terminal reaches the whole process group: the parent decides (it closes its
    engine, which terminates this export). SIGTERM ends the export through its `finally`
    clauses, so its work directory goes too."""

    def terminate(_signum: int, _frame: object) -> None:
        raise SystemExit(143)

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, terminate)


def _exit_with_parent() -> None:
    """A server killed mid-export (SIGKILL, a crash) must not leave this child running and
    writing into its cache: when the parent is gone, remove the scratch directory and exit."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        scratch = os.environ.get("TMPDIR")
        if scratch and Path(scratch).name.startswith(".tmp-"):
            shutil.rmtree(scratch, ignore_errors=True)
        os._exit(3)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
