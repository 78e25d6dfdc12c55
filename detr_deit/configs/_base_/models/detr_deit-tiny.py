# DETR (Carion et al., ECCV 2020) with a DeiT-tiny backbone (Touvron et al., ICML 2021).
#
# The backbone is mmpretrain's VisionTransformer, reached across libraries with the scope
# prefix `mmpretrain.`: arch 'deit-tiny' (12 layers, 192 dims, 3 heads), 16x16 patches, patch
# tokens of the last layer returned as a (B, 192, H/16, W/16) feature map. The class token is
# dropped (`with_cls_token=False`: a detector has no use for it, and loading a checkpoint strips
# its position embedding); the 14x14 position embedding learned at 224x224 is bicubically
# interpolated to each input's patch grid in every forward.
#
# Everything after the backbone is DETR at 192 dims instead of 256: a 1x1 conv neck 192->192,
# attention and FFN embed dims 192, sine positional encoding with num_feats=96 (2 x 96 = 192),
# 100 object queries, cross-entropy with background ("no object") weight 0.1, L1 5, GIoU 2, and
# Hungarian matching with the same costs.
embed_dims = 192
model = dict(
    type='DETR',
    num_queries=100,
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],  # ImageNet statistics, as DeiT was trained with
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=16),  # whole patches: the mask downsamples exactly to the token grid
    backbone=dict(
        type='mmpretrain.VisionTransformer',
        arch='deit-tiny',
        img_size=224,
        patch_size=16,
        out_indices=-1,
        out_type='featmap',
        with_cls_token=False,
        final_norm=True,
        drop_path_rate=0.1,
        # Pretrained DeiT-tiny in mmpretrain's format (keys 'backbone.*', hence the prefix);
        # convert the official checkpoint with `python -m detr_deit.tools.convert_deit`.
        init_cfg=dict(
            type='Pretrained',
            checkpoint='checkpoints/deit-tiny_mmpretrain.pth',
            prefix='backbone.')),
    neck=dict(
        type='ChannelMapper',
        in_channels=[192],
        kernel_size=1,
        out_channels=embed_dims,
        act_cfg=None,
        norm_cfg=None,
        num_outs=1),
    encoder=dict(  # DetrTransformerEncoder
        num_layers=6,
        layer_cfg=dict(  # DetrTransformerEncoderLayer
            self_attn_cfg=dict(  # MultiheadAttention
                embed_dims=embed_dims, num_heads=8, dropout=0.1, batch_first=True),
            ffn_cfg=dict(
                embed_dims=embed_dims,
                feedforward_channels=2048,
                num_fcs=2,
                ffn_drop=0.1,
                act_cfg=dict(type='ReLU', inplace=True)))),
    decoder=dict(  # DetrTransformerDecoder
        num_layers=6,
        layer_cfg=dict(  # DetrTransformerDecoderLayer
            self_attn_cfg=dict(
                embed_dims=embed_dims, num_heads=8, dropout=0.1, batch_first=True),
            cross_attn_cfg=dict(
                embed_dims=embed_dims, num_heads=8, dropout=0.1, batch_first=True),
            ffn_cfg=dict(
                embed_dims=embed_dims,
                feedforward_channels=2048,
                num_fcs=2,
                ffn_drop=0.1,
                act_cfg=dict(type='ReLU', inplace=True))),
        return_intermediate=True),
    positional_encoding=dict(num_feats=embed_dims // 2, normalize=True),
    bbox_head=dict(
        type='DETRHead',
        num_classes=20,
        embed_dims=embed_dims,
        loss_cls=dict(
            type='CrossEntropyLoss',
            bg_cls_weight=0.1,
            use_sigmoid=False,
            loss_weight=1.0,
            class_weight=1.0),
        loss_bbox=dict(type='L1Loss', loss_weight=5.0),
        loss_iou=dict(type='GIoULoss', loss_weight=2.0)),
    train_cfg=dict(
        assigner=dict(
            type='HungarianAssigner',
            match_costs=[
                dict(type='ClassificationCost', weight=1.),
                dict(type='BBoxL1Cost', weight=5.0, box_format='xywh'),
                dict(type='IoUCost', iou_mode='giou', weight=2.0)
            ])),
    test_cfg=dict(max_per_img=100))
