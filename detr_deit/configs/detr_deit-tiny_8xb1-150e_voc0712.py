# DETR with DeiT-tiny on PASCAL VOC 07+12, COCO-style AP on VOC 2007 test. Same model,
# schedule and augmentation as the ScanNet config; the data (and its 20 classes) change, and
# so must the head's num_classes (both happen to be 20 here; the start-up check compares them).
_base_ = [
    '_base_/models/detr_deit-tiny.py',
    '_base_/datasets/voc0712_coco.py',
    '_base_/datasets/detr_augmentation.py',
    '_base_/schedules/detr_150e.py',
    '_base_/default_runtime.py',
]
model = dict(bbox_head=dict(num_classes=20))
train_dataloader = dict(dataset=dict(pipeline={{_base_.detr_train_pipeline}}))
