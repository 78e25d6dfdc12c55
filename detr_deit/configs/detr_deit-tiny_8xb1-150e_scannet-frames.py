# DETR with DeiT-tiny on ScanNet frames-25k: 8 GPUs x 1 image, 150 epochs (OpenMMLab naming:
# {algorithm}_{backbone}_{gpus}x{batch}-{schedule}_{dataset}).
#
# Train:  python -m detr_deit.train detr_deit/configs/detr_deit-tiny_8xb1-150e_scannet-frames.py
# 8 GPUs: python -m detr_deit.tools.dist_train 8 \
#             detr_deit/configs/detr_deit-tiny_8xb1-150e_scannet-frames.py
_base_ = [
    '_base_/models/detr_deit-tiny.py',
    '_base_/datasets/scannet_frames.py',
    '_base_/datasets/detr_augmentation.py',
    '_base_/schedules/detr_150e.py',
    '_base_/default_runtime.py',
]
train_dataloader = dict(dataset=dict(pipeline={{_base_.detr_train_pipeline}}))
