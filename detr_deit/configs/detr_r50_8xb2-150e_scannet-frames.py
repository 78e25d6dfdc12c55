# DETR-R50 on ScanNet frames-25k, for comparison with the DeiT-tiny variant: the original DETR
# model (256 dims, ResNet-50 C5 features) with the same data, schedule and augmentation.
_base_ = ['detr_deit-tiny_8xb1-150e_scannet-frames.py']

embed_dims = 256
model = dict(
    data_preprocessor=dict(pad_size_divisor=1),
    # `_delete_=True` replaces the inherited backbone dict instead of merging into it (the
    # VisionTransformer keys would otherwise leak into ResNet's arguments).
    backbone=dict(
        _delete_=True,
        type='ResNet',
        depth=50,
        num_stages=4,
        out_indices=(3, ),
        frozen_stages=1,
        norm_cfg=dict(type='BN', requires_grad=False),
        norm_eval=True,
        style='pytorch',
        # torchvision's ImageNet ResNet-50 (its key names match mmdet's ResNet: no prefix).
        init_cfg=dict(type='Pretrained', checkpoint='checkpoints/resnet50-0676ba61.pth')),
    neck=dict(in_channels=[2048], out_channels=embed_dims),
    encoder=dict(layer_cfg=dict(
        self_attn_cfg=dict(embed_dims=embed_dims),
        ffn_cfg=dict(embed_dims=embed_dims))),
    decoder=dict(layer_cfg=dict(
        self_attn_cfg=dict(embed_dims=embed_dims),
        cross_attn_cfg=dict(embed_dims=embed_dims),
        ffn_cfg=dict(embed_dims=embed_dims))),
    positional_encoding=dict(num_feats=embed_dims // 2),
    bbox_head=dict(embed_dims=embed_dims))

train_dataloader = dict(batch_size=2)
auto_scale_lr = dict(base_batch_size=16)
