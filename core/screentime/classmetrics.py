"""Single-label classification metrics: accuracy, per-class precision/recall/F1, confusion matrix."""

from __future__ import annotations

import numpy as np
import pandas as pd


def confusion(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """``n_classes × n_classes`` counts; rows are the true class, columns the predicted one."""
    matrix = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(matrix, (np.asarray(y_true, dtype=int), np.asarray(y_pred, dtype=int)), 1)
    return matrix


def per_class(matrix: np.ndarray, names: list[str]) -> pd.DataFrame:
    """Columns class, precision, recall, f1, support from a confusion matrix (0 where undefined)."""
    tp = np.diag(matrix).astype(float)
    predicted, actual = matrix.sum(axis=0), matrix.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
    both = precision + recall
    f1 = np.divide(2 * precision * recall, both, out=np.zeros_like(tp), where=both > 0)
    return pd.DataFrame({"class": names, "precision": precision, "recall": recall, "f1": f1, "support": actual.astype(int)})


def evaluate(y_true: np.ndarray, y_pred: np.ndarray, names: list[str]) -> dict:
    """``{"accuracy", "n", "confusion" (list of rows), "per_class" (list of dicts)}``, storable as a document."""
    matrix = confusion(y_true, y_pred, len(names))
    n = int(matrix.sum())
    return {
        "accuracy": float(np.trace(matrix) / n) if n else float("nan"),
        "n": n,
        "confusion": matrix.tolist(),
        "per_class": per_class(matrix, names).to_dict("records"),
    }
