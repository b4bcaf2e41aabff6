"""The embedders: the static table (a prompt alone embeds as it does within a batch) and the
transformer that may encode prompts into its space."""

from __future__ import annotations

import numpy as np

from app.core.config import Settings
from app.ranking.embedding import (
    MINILM_QUERY_ID,
    AsymmetricEmbedder,
    MiniLMQueryEncoder,
    StaticEmbedder,
    StaticTable,
    embed_query,
    load_embedder,
    query_model_id,
    static_table_path,
)

TEXTS = [
    "IoT sensors that watch refrigeration temperatures for food distributors",
    "cloud cost optimization software",
    "",
    "Payroll for German manufacturers with 50-500 employees, not already using Workday",
]


def test_one_text_embeds_as_in_a_batch() -> None:
    embedder = load_embedder(Settings())
    batch = embedder.embed(TEXTS)
    for i, text in enumerate(TEXTS):
        assert np.array_equal(embedder.embed([text])[0], batch[i])


SELLERS = [
    "Payroll and benefits software for small restaurants",
    "Satellite imagery analytics for farms",
    "Fraud detection for online lenders",
    "Video games for children",
    "Open-source database for developers",
    "Clinical trial recruitment for cancer drug makers",
    "Freight brokerage marketplace for truckers",
    "Solar panel installation for homeowners",
]


def _table() -> StaticTable:
    return StaticTable.load(static_table_path(Settings().model_dir))


def test_the_transformer_encodes_a_prompt_into_the_tables_space() -> None:
    """The table's rows are fitted so that a text's mean row is its (centred, projected) MiniLM
    vector: each prompt's MiniLM vector is nearest its own static vector, among other texts'."""
    table = _table()
    queries = MiniLMQueryEncoder(table).embed(SELLERS)
    documents = StaticEmbedder(table).embed(SELLERS)
    assert queries.shape == documents.shape == (len(SELLERS), table.pca_components.shape[1])
    assert np.allclose(np.linalg.norm(queries, axis=1), 1.0, atol=1e-5)
    cosines = queries @ documents.T
    assert (cosines.argmax(axis=1) == np.arange(len(SELLERS))).all()
    assert float(np.diag(cosines).min()) > 0.4


def test_the_query_encoder_keeps_recent_prompts_and_forgets_the_oldest() -> None:
    encoder = MiniLMQueryEncoder(_table(), cached=2)
    first = encoder.embed([SELLERS[0]])
    assert np.array_equal(encoder.embed([SELLERS[0]]), first)
    encoder.embed([SELLERS[1]])
    encoder.embed([SELLERS[2]])
    assert list(encoder._recent) == [SELLERS[1], SELLERS[2]]
    assert np.allclose(encoder.embed([SELLERS[0]]), first, atol=1e-6)  # re-encoded, same vector
    assert encoder.embed([]).shape == (0, encoder.dim)


def test_the_query_model_setting_chooses_what_encodes_prompts() -> None:
    static = load_embedder(Settings(embedding_query_model="static"))
    asymmetric = load_embedder(Settings(embedding_query_model="minilm"))
    assert isinstance(static, StaticEmbedder)
    assert isinstance(asymmetric, AsymmetricEmbedder)
    # Documents (and stored vectors) are the table's either way; only prompts differ.
    assert asymmetric.model_id == static.model_id
    assert np.array_equal(asymmetric.embed(SELLERS), static.embed(SELLERS))
    assert query_model_id(static) == static.model_id
    assert query_model_id(asymmetric) == MINILM_QUERY_ID
    assert np.array_equal(embed_query(static, SELLERS[0]), static.embed([SELLERS[0]])[0])
    expected = MiniLMQueryEncoder(_table()).embed([SELLERS[0]])[0]
    assert np.allclose(embed_query(asymmetric, SELLERS[0]), expected, atol=1e-6)
