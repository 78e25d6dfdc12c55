# The synthetic ScanNet frames (`python -m common.synth scannet DIR`), converted to
# COCO json by `python -m detr_deit.prepare scannet DIR` (detr_deit.reproduce does both
# steps). Same 20 classes and layout as the real frames-25k; the held-out split is "val".
_base_ = ['scannet_frames.py']
data_root = '{{$SYNTH_SCANNET_ROOT:data/synth-scannet/}}'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/val.json')
test_evaluator = val_evaluator
