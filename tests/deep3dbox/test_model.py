"""The three-head VGG16 model: outputs, freezing, random initialisation scale."""

import keras
import numpy as np
import pytest

from deep3dbox.model import build_model


def test_heads_shapes_and_unit_orientation():
    model = build_model(input_size=32, num_bins=4)
    x = np.random.default_rng(0).normal(0, 64, (3, 32, 32, 3)).astype("float32")
    out = model(x, training=False)
    assert out["dimensions"].shape == (3, 3)
    assert out["orientation"].shape == (3, 4, 2) and out["confidence"].shape == (3, 4)
    np.testing.assert_allclose(np.linalg.norm(np.asarray(out["orientation"]), axis=-1), 1,
                               atol=1e-5)


def test_freeze_all_but_last_conv_layers():
    model = build_model(input_size=32, trainable_conv=3)
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert len(convs) == 13
    assert [c.trainable for c in convs] == [False] * 10 + [True] * 3
    # 3 conv + 6 dense layers, kernel and bias each
    assert len(model.trainable_weights) == 2 * (3 + 6)


def test_he_init_keeps_the_signal_through_13_relu_layers():
    x = np.random.default_rng(0).normal(0, 64, (2, 32, 32, 3)).astype("float32")

    def feature_std(he):
        m = build_model(input_size=32, he_init=he)
        return float(np.std(keras.Model(m.input, m.get_layer("flatten").output)(x)))

    glorot, he = feature_std(False), feature_std(True)
    assert 0.3 < he < 10  # about unit scale at the heads
    assert glorot < he / 5  # Keras' default shrinks it


def test_batch_norm_base_is_vgg16_with_a_norm_after_each_conv():
    model = build_model(input_size=64, batch_norm=True)
    plain = build_model(input_size=64)
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    norms = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert len(convs) == len(norms) == 13
    # the same conv kernels as keras.applications.VGG16, plus 4 x channels of BN per conv
    bn_params = sum(4 * c.filters for c in convs)
    assert model.count_params() == plain.count_params() + bn_params
    x = np.random.default_rng(0).normal(0, 64, (2, 64, 64, 3)).astype("float32")
    features = keras.Model(model.input, model.get_layer("flatten").output)(x, training=True)
    assert features.shape == (2, 2 * 2 * 512)  # 64 px / 32 = 2 x 2 cells of 512 channels
    assert 0.1 < float(np.std(features)) < 10  # normalised: no shrinking through 13 layers


def test_batch_norm_refuses_imagenet_weights():
    with pytest.raises(ValueError, match="random weights"):
        build_model(input_size=32, batch_norm=True, he_init=True)


@pytest.fixture
def mixed_bf16_policy():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    yield
    keras.mixed_precision.set_global_policy("float32")


def test_mixed_precision_computes_in_bfloat16_and_outputs_float32(mixed_bf16_policy):
    model = build_model(input_size=32)
    conv = model.get_layer("block1_conv1")
    assert conv.compute_dtype == "bfloat16" and conv.kernel.dtype == "float32"
    x = np.random.default_rng(0).normal(0, 64, (2, 32, 32, 3)).astype("float32")
    out = model(x, training=False)
    assert {name: keras.backend.standardize_dtype(t.dtype) for name, t in out.items()} == {
        "dimensions": "float32", "orientation": "float32", "confidence": "float32"}
    np.testing.assert_allclose(np.linalg.norm(np.asarray(out["orientation"]), axis=-1), 1,
                               atol=1e-5)


def test_amp_policy_follows_the_cpu(monkeypatch):
    import deep3dbox.model as m

    assert m.precision_policy(False) == "float32"
    for native, policy in ((True, "mixed_bfloat16"), (False, "float32")):
        monkeypatch.setattr(m, "has_native_bf16", lambda native=native: native)
        assert m.precision_policy(True) == policy
