"""The model harness every package uses: time budgets, results records, KITTI metric names.

- ``budget``: the time-budget planner (pure; no framework import) and its decisions.
- ``keras_budget``: the planner as a Keras callback (deep3dbox).
- ``mmengine_budget``: the planner as an mmengine hook (detr_deit, xnet_fusion).

Results records and their canonical names live in :mod:`common.results`; the OpenMMLab plumbing
shared by detr_deit and xnet_fusion in :mod:`common.openmmlab`.
"""
