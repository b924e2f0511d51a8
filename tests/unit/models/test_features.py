"""FeatureSpec: the one-hot matrix the models see and the coded one the baselines see."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engage.contract import CUSTOMERS
from engage.data.chunk import ChunkSpec, generate_chunk
from engage.data.content import build_catalogue
from engage.data.generator import AS_OF
from engage.data.random import stream
from engage.models.features import FeatureSpec


def _customers(rows: int = 300) -> pd.DataFrame:
    spec = ChunkSpec(7, 0, 1, rows, 7, AS_OF, build_catalogue(stream(7, 0, "catalogue")))
    return generate_chunk(spec)["customers"].to_pandas()


def test_coded_matrix_holds_the_one_hot_information_in_code_columns() -> None:
    frame = _customers()
    spec = FeatureSpec()
    onehot, (coded, mask) = spec.matrix(frame), spec.coded_matrix(frame)
    n_num, cats = len(spec.numeric), spec.categorical
    assert mask.sum() == len(cats) and coded.shape[0] == onehot.shape[0]
    np.testing.assert_array_equal(coded[:, :n_num], onehot[:, :n_num])
    n_inter = coded.shape[1] - n_num - len(cats)  # the interaction columns end both
    np.testing.assert_array_equal(
        coded[:, coded.shape[1] - n_inter :], onehot[:, onehot.shape[1] - n_inter :]
    )
    at = n_num
    for i, col in enumerate(cats):
        width = len(CUSTOMERS.column(col).categories)
        block = onehot[:, at : at + width]
        code = coded[:, n_num + i]
        known = block.sum(axis=1) == 1
        np.testing.assert_array_equal(code[known], block[known].argmax(axis=1))
        assert np.isnan(code[~known]).all()
        at += width


def test_an_unknown_category_is_missing_not_a_code() -> None:
    frame = _customers(20)
    spec = FeatureSpec()
    col = spec.categorical[0]
    frame[col] = frame[col].astype(object)
    frame.loc[3, col] = "not-a-category"
    coded, mask = spec.coded_matrix(frame)
    assert np.isnan(coded[3, np.flatnonzero(mask)[0]])
    assert not np.isnan(coded[4, np.flatnonzero(mask)[0]])
