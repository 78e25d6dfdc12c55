# exp01_1: exp01 fine-tuned with the graph network frozen after pre-training (X-Net: 20 more
# epochs from an exp01 checkpoint). Give the checkpoint with --load-from (or set load_from).
_base_ = ['./exp01.py']
model = dict(freeze=('get_graph',))
load_from = 'work_dirs/exp01/epoch_40.pth'
train_cfg = dict(max_epochs=20)
