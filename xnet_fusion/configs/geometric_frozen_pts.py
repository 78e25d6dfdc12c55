# geometric with the point branch (SparseEncoder, SECOND, SECONDFPN) frozen at the weights of a
# trained base (point-only) model: only the image branch, the four fusion stages and the head
# train, the point features stay those base learnt (the pattern of exp01_1, which freezes the
# graph after pre-training). Give the base checkpoint with --load-from (or set load_from).
_base_ = ['./geometric.py']
model = dict(freeze=('pts_middle_encoder', 'pts_backbone', 'pts_neck'))
load_from = 'work_dirs/base/epoch_40.pth'
