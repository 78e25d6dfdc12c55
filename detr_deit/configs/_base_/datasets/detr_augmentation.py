# DETR's training augmentation (official recipe, as in MMDetection's detr_r50 configs): flip,
# then either a multi-scale resize of the shorter side to 480..800, or a resize + random crop +
# multi-scale resize. Named `detr_train_pipeline` so it can sit beside a dataset base (bases
# may not share keys); a config picks it with {{_base_.detr_train_pipeline}}.
_multi_scale = [(480, 1333), (512, 1333), (544, 1333), (576, 1333), (608, 1333),
                (640, 1333), (672, 1333), (704, 1333), (736, 1333), (768, 1333),
                (800, 1333)]
detr_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='RandomChoice',
        transforms=[[
            dict(type='RandomChoiceResize', scales=_multi_scale, keep_ratio=True)
        ], [
            dict(
                type='RandomChoiceResize',
                scales=[(400, 1333), (500, 1333), (600, 1333)],
                keep_ratio=True),
            dict(
                type='RandomCrop',
                crop_type='absolute_range',
                crop_size=(384, 600),
                allow_negative_crop=True),
            dict(type='RandomChoiceResize', scales=_multi_scale, keep_ratio=True)
        ]]),
    dict(type='PackDetInputs')
]
