"""Shared data layer of the monorepo: dataset formats, geometry, synthetic datasets, evaluation.

Light dependencies only (numpy, Pillow, pycocotools, matplotlib, shapely, tqdm): every model's
environment imports it, none of them needs a deep-learning framework for it.
"""
