"""KITTI preparation for X-Net with mmdet3d's own converters."""
