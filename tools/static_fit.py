"""Fitting a static token table to sentence vectors (scripts/distill_embeddings.py, stage 2): the
bag-of-tokens matrix of a corpus and the ridge solve."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from app.ranking.embedding import load_tokenizer


def bag_of_tokens(texts: list[str], vocab: int) -> sp.csr_matrix:
    """(texts, vocab): the share of each token in each text (mean pooling as a sparse matrix)."""
    tok = load_tokenizer(max_tokens=None)
    rows, cols, vals = [], [], []
    for i, enc in enumerate(tok.encode_batch(texts, add_special_tokens=False)):
        if not enc.ids:
            continue
        ids, counts = np.unique(np.asarray(enc.ids, dtype=np.int64), return_counts=True)
        rows.append(np.full(len(ids), i))
        cols.append(ids)
        vals.append(counts / counts.sum())
    return sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(len(texts), vocab),
        dtype=np.float32,
    )


def ridge_cg(
    a: sp.csr_matrix, y: npt.NDArray[np.float32], w0: npt.NDArray[np.float32], ridge: float, iterations: int
) -> npt.NDArray[np.float32]:
    """argmin_W ||A W - Y||^2 + ridge ||W - W0||^2, conjugate gradients on every column at once."""
    at = a.T.tocsr()

    def normal(w: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        return np.asarray(at @ (a @ w) + ridge * w, dtype=np.float32)

    w = w0.copy()
    r = np.asarray(at @ y + ridge * w0, dtype=np.float32) - normal(w)
    p = r.copy()
    rs = (r * r).sum(axis=0)
    for _ in range(iterations):
        ap = normal(p)
        alpha = rs / np.maximum((p * ap).sum(axis=0), 1e-30)
        w += p * alpha
        r -= ap * alpha
        rs_next = (r * r).sum(axis=0)
        if float(np.sqrt(rs_next.max())) < 1e-7:
            break
        p = r + p * (rs_next / np.maximum(rs, 1e-30))
        rs = rs_next
    return w
