"""Deep3DBox (Mousavian et al., CVPR 2017) in Keras 3: MultiBin orientation, dimensions, and the
2D-3D box-fit geometry that recovers the location. See docs/deep3dbox.md."""
