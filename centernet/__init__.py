"""CenterNet ("Objects as Points", Zhou et al. 2019) for 2D detection (ctdet), faithful to
the official code github.com/xingyizhou/CenterNet.

Where things live: ``models/`` (ResNet-18 + up-conv neck, DLA-34 + IDA-up, heads, DCN),
``targets.py`` (Gaussian heatmaps and regression targets), ``losses.py`` (focal + L1),
``decode.py`` (peaks -> boxes), ``data/`` (datasets and augmentation), ``train.py``,
``test.py``, ``demo.py``, ``reproduce.py``.
"""
