"""Datasets (VOC, COCO json) and the official ctdet augmentation."""
