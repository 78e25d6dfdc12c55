# geometric with a residual fusion neck (not in X-Net): the head reads relu(fusion_neck(...) +
# the point branch's BEV map), the neck's BN scale zero at first (models/fusion/neck.py).
# Started from a trained base model it computes base's features at its first iteration and the
# fusion block adds to them. Give the base checkpoint with --load-from (or set load_from).
_base_ = ['./geometric.py']
model = dict(fusion_neck=dict(residual=True))
load_from = 'work_dirs/base/epoch_40.pth'
