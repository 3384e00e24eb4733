"""Text to vectors: the embedder protocol, the content-hash cache, and the backends.

protocol        what the engine asks of a model; which model a setting names
cache           the diskcache store keyed by (model id, text digest)
text            what the model reads for a chunk, and for a definition's name
backends        the `embeddingBackend` setting made into an embedder (ONNX, else torch)
torch_embedder  sentence-transformers on torch (the reference)
onnx_embedder   the same model on ONNX Runtime, exported locally by `onnx_export`
"""

from __future__ import annotations
