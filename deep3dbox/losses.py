"""Deep3DBox losses (Mousavian et al., CVPR 2017, Sec. 3.3-3.4), as Keras losses.

    L = w_dim * L_dims + w_conf * L_conf + w_orient * L_loc

Targets come from :mod:`deep3dbox.multibin`: residual targets are unit (cos, sin) vectors for the
bins that cover the angle and (0, 0) elsewhere, which is how the orientation loss finds them.
"""

from __future__ import annotations

import keras
from keras import ops

ORIENTATION_KINDS = ("cos", "l2", "cosine_similarity")


@keras.saving.register_keras_serializable(package="deep3dbox")
class OrientationLoss(keras.losses.Loss):
    """Per-sample orientation loss over the covering bins; y (B, bins, 2) -> (B,).

    - ``cos`` (the paper's Eq. 3): ``-1/n_cover * sum_i cos(dtheta*_i - dtheta_i)``; with unit
      vectors ``cos(a - b) = cos a cos b + sin a sin b``, so it is the dot product.
    - ``l2``: mean over covering bins of ``||(cos, sin)* - (cos, sin)||^2``.
    - ``cosine_similarity``: ``-`` mean cosine similarity of target and *unnormalised*
      prediction over covering bins (``keras.losses.cosine_similarity`` restricted to them).
    """

    def __init__(self, kind: str = "cos", name: str = "orientation_loss", **kwargs):
        if kind not in ORIENTATION_KINDS:
            raise ValueError(f"orientation loss must be one of {ORIENTATION_KINDS}, got {kind}")
        super().__init__(name=name, **kwargs)
        self.kind = kind

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, y_pred.dtype)
        mask = ops.cast(ops.sum(ops.square(y_true), axis=-1) > 0.5, y_pred.dtype)  # (B, bins)
        count = ops.maximum(ops.sum(mask, axis=-1), 1.0)
        if self.kind == "l2":
            per_bin = ops.sum(ops.square(y_true - y_pred), axis=-1)
        elif self.kind == "cos":
            per_bin = -ops.sum(y_true * y_pred, axis=-1)
        else:
            norm = ops.sqrt(ops.maximum(ops.sum(ops.square(y_pred), axis=-1), 1e-12))
            per_bin = -ops.sum(y_true * y_pred, axis=-1) / norm
        return ops.sum(per_bin * mask, axis=-1) / count

    def get_config(self):
        return {**super().get_config(), "kind": self.kind}


@keras.saving.register_keras_serializable(package="deep3dbox")
class ConfidenceLoss(keras.losses.Loss):
    """Softmax cross-entropy of bin logits (B, bins) against the target distribution (B, bins).

    Computed as ``-sum(t * log_softmax(logits))`` (log-sum-exp inside), stable for any logits.
    """

    def __init__(self, name: str = "confidence_loss", **kwargs):
        super().__init__(name=name, **kwargs)

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, y_pred.dtype)
        return -ops.sum(y_true * ops.log_softmax(y_pred, axis=-1), axis=-1)


def make_losses(orientation: str = "cos") -> dict:
    """The per-output losses for ``model.compile``: dimensions MSE, orientation, confidence."""
    return {
        "dimensions": keras.losses.MeanSquaredError(name="dimension_loss"),
        "orientation": OrientationLoss(orientation),
        "confidence": ConfidenceLoss(),
    }
