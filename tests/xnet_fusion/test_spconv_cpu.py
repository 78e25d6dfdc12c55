"""spconv's CPU sparse convolutions with two torch threads, under xnet_fusion's CPU guard: a
submanifold conv over a dense block of voxels equals torch's dense conv3d (forward and both
gradients), and a strided sparse conv gives the same result twice. Unguarded, spconv 2.3.8
misses both by far more than rounding (outputs off by 0.3, weight gradients by 6)."""

import pytest
import spconv.pytorch as spconv
import torch

import xnet_fusion  # noqa: F401  (installs the guard)

D, H, W = 8, 24, 24


@pytest.fixture
def two_threads():
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(threads)


def _block(channels):
    """Every voxel of a D x H x W block active: indices (N, 4) and random features (N, C)."""
    zyx = torch.stack(torch.meshgrid(torch.arange(D), torch.arange(H), torch.arange(W),
                                     indexing='ij'), -1).reshape(-1, 3)
    indices = torch.cat([torch.zeros(len(zyx), 1, dtype=torch.int32), zyx.int()], 1)
    return indices, torch.randn(len(indices), channels, generator=torch.Generator().manual_seed(0))


def test_submanifold_conv_matches_dense_conv3d_with_two_threads(two_threads):
    torch.manual_seed(0)
    layer = spconv.SubMConv3d(16, 8, 3, bias=False)
    indices, feats = _block(16)
    sparse_in = feats.clone().requires_grad_(True)
    out = layer(spconv.SparseConvTensor(sparse_in, indices, [D, H, W], 1)).features
    out.square().sum().backward()
    # the same layer as a dense conv: spconv's weight is (out, kz, ky, kx, in)
    dense_in = feats.T.reshape(1, 16, D, H, W).clone().requires_grad_(True)
    weight = layer.weight.detach().permute(0, 4, 1, 2, 3).clone().requires_grad_(True)
    ref = torch.nn.functional.conv3d(dense_in, weight, padding=1)
    ref.square().sum().backward()
    assert torch.allclose(out, ref.reshape(8, -1).T, atol=1e-4)
    assert torch.allclose(sparse_in.grad, dense_in.grad.reshape(16, -1).T, atol=1e-3)
    assert torch.allclose(layer.weight.grad.permute(0, 4, 1, 2, 3), weight.grad, rtol=1e-4,
                          atol=1e-2)


def test_strided_sparse_conv_gives_the_same_result_twice(two_threads):
    torch.manual_seed(0)
    net = spconv.SparseSequential(spconv.SubMConv3d(16, 16, 3, indice_key='a', bias=False),
                                  spconv.SparseConv3d(16, 32, 3, stride=2, bias=False))
    indices, feats = _block(16)
    runs = []
    for _ in range(2):
        x = feats.clone().requires_grad_(True)
        out = net(spconv.SparseConvTensor(x, indices, [D, H, W], 1)).features
        out.square().sum().backward()
        runs.append((out.detach(), x.grad, net[1].weight.grad.clone()))
        net.zero_grad()
    assert all(torch.equal(a, b) for a, b in zip(*runs, strict=True))
