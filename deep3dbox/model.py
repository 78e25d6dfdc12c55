"""Deep3DBox network: VGG16 conv base and three heads (Mousavian et al., CVPR 2017, Fig. 5).

    crop (B, S, S, 3) VGG-preprocessed -> VGG16 conv5 -> Flatten, then each head
    FC -> LeakyReLU 0.1 -> Dropout 0.5 -> FC:
      dimensions:  FC 512 -> 3                         (B, 3) residual to the class mean, in
                                                       metres or class stds (dimensions.py)
      orientation: FC 256 -> bins*2 -> reshape -> L2   (B, bins, 2) cos, sin per bin
      confidence:  FC 256 -> bins                      (B, bins) logits; softmax in loss/decode
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import keras
from keras import layers

import deep3dbox.losses  # noqa: F401  (registers the losses for keras.saving.load_model)
from common.cpu_features import has_native_bf16
from common.errors import DataFormatError
from common.io import atomic_save

INPUT_STD = 64.0  # rough std of VGG-preprocessed (BGR, mean-subtracted 0-255) pixels
# VGG16's conv blocks (Simonyan & Zisserman 2015, config D): channels of each 3x3 conv per block
VGG16_BLOCKS = ((64, 64), (128, 128), (256, 256, 256), (512, 512, 512), (512, 512, 512))


def vgg16_bn(input_size: int) -> keras.Model:
    """VGG16 conv base with BatchNorm after every conv, as torchvision's ``vgg16_bn``:
    (B, S, S, 3) -> (B, S/32, S/32, 512); conv (with bias) -> BN -> ReLU, 2x2 max-pool per block.
    Layer names follow keras.applications.VGG16 (``block1_conv1``, ...)."""
    x = inputs = keras.Input((input_size, input_size, 3))
    for b, widths in enumerate(VGG16_BLOCKS, 1):
        for c, width in enumerate(widths, 1):
            x = layers.Conv2D(width, 3, padding="same", name=f"block{b}_conv{c}")(x)
            x = layers.BatchNormalization(name=f"block{b}_bn{c}")(x)
            x = layers.ReLU(name=f"block{b}_relu{c}")(x)
        x = layers.MaxPooling2D(2, name=f"block{b}_pool")(x)
    return keras.Model(inputs, x, name="vgg16_bn")


def build_model(
    input_size: int = 224,
    num_bins: int = 2,
    weights: str | None = None,
    trainable_conv: int | None = None,
    leaky: float = 0.1,
    dropout: float = 0.5,
    he_init: bool = False,
    batch_norm: bool = False,
    seed: int = 0,
) -> keras.Model:
    """The three-head model.

    weights: path to Keras' VGG16 ``..._notop.h5`` ImageNet file (else random init; nothing is
    downloaded). trainable_conv: train only the last N conv layers of VGG16 (None: all).
    he_init: without weights, draw the conv kernels He-normal (He et al. 2015) instead of Keras'
    Glorot-uniform default, under which the signal of 13 ReLU layers without normalisation
    shrinks ~2x in variance per layer (feature std 0.15 vs 1.3 at the heads); the first kernel
    is further divided by INPUT_STD, as VGG-preprocessed pixels are not unit-variance. On the
    synthetic set it did not train faster than the default, so it stays an option.
    batch_norm: the conv base is :func:`vgg16_bn` (random init only: ImageNet VGG16 weights have
    no BatchNorm).
    """
    if batch_norm and (weights or he_init):
        raise ValueError("batch_norm builds VGG16-BN from random weights: no weights, no he_init")
    base = vgg16_bn(input_size) if batch_norm else keras.applications.VGG16(
        include_top=False, weights=None, input_shape=(input_size, input_size, 3)
    )
    if weights:
        base.load_weights(weights)
    elif he_init:
        init = keras.initializers.HeNormal(seed=seed)
        convs = [layer for layer in base.layers if isinstance(layer, layers.Conv2D)]
        for i, layer in enumerate(convs):
            layer.kernel.assign(init(layer.kernel.shape) / (INPUT_STD if i == 0 else 1.0))
    if trainable_conv is not None:
        convs = [layer for layer in base.layers if isinstance(layer, layers.Conv2D)]
        for i, layer in enumerate(convs):
            layer.trainable = i >= len(convs) - trainable_conv
    x = layers.Flatten(name="flatten")(base.output)

    def head(name: str, width: int, out: int):
        h = layers.Dense(width, name=f"{name}_fc")(x)
        h = layers.LeakyReLU(negative_slope=leaky, name=f"{name}_lrelu")(h)
        h = layers.Dropout(dropout, name=f"{name}_dropout")(h)
        return layers.Dense(out, name=f"{name}_out")(h)

    # the outputs are float32 under a mixed-precision policy too (--amp): losses in float32
    dims = layers.Identity(name="dimensions", dtype="float32")(head("dimensions", 512, 3))
    orient = layers.Reshape((num_bins, 2), name="orientation_raw")(
        head("orientation", 256, num_bins * 2)
    )
    orient = layers.UnitNormalization(axis=-1, name="orientation", dtype="float32")(orient)
    conf = layers.Identity(name="confidence", dtype="float32")(head("confidence", 256, num_bins))
    return keras.Model(base.input, {"dimensions": dims, "orientation": orient,
                                    "confidence": conf}, name="deep3dbox")


def precision_policy(amp: bool) -> str:
    """The Keras dtype policy of ``--amp``: mixed_float16 on GPUs, mixed_bfloat16 on a CPU that
    computes bfloat16 natively (AVX512-BF16 or AMX), float32 otherwise (emulated bfloat16 is
    slower than float32). Variables stay float32 under either mixed policy."""
    if not amp:
        return "float32"
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        return "mixed_float16"
    return "mixed_bfloat16" if has_native_bf16() else "float32"


def save_checkpoint(model: keras.Model, path: str | Path) -> None:
    """``model.save(path)`` atomically: a save killed or failing mid-write leaves ``path`` as it
    was (a temporary file in the same folder is moved over it only once complete)."""

    atomic_save(path, model.save)


def load_checkpoint(path: str | Path, compile: bool = True) -> keras.Model:
    """``keras.saving.load_model`` with a DataFormatError naming ``path`` when it is missing,
    truncated (a save killed mid-write), or not a Keras archive."""
    path = Path(path)
    expected = "expected a .keras checkpoint"
    if not path.is_file():
        raise DataFormatError(path, f"{expected}, found no such file")
    if path.suffix != ".keras":
        raise DataFormatError(path, f"{expected}, got a {path.suffix or 'suffix-less'} file")
    if not zipfile.is_zipfile(path):
        raise DataFormatError(path, f"{expected}, got a truncated file or not a Keras archive "
                                    f"({path.stat().st_size} bytes)")
    try:
        return keras.saving.load_model(path, compile=compile)
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError) as e:
        detail = str(e).strip('"')  # KeyError quotes its message
        raise DataFormatError(path, f"{expected}, got a damaged Keras archive: {detail}") from None
