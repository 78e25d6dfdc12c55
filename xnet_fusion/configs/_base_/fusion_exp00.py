# exp00: naive pre-fusion + 1x1-conv fusion of the concatenation (no graph).
# None channel counts follow the connected modules (XNet fills them in): img_channels the
# image FPN's, pts_channels the point FPN's outputs, fusion_neck.out_channels the head's input
pre_fusion = dict(type='NaivePreFusion', img_channels=None, pts_channels=None,
                  img_out_channels=512, pts_out_channels=512, img_levels=1, dropout_ratio=0.2)
get_graph = None
fusion = dict(type='ConcatFusion', in_channels=512 + 512, out_channels=512)
fusion_neck = dict(type='FusionNeck', in_channels=(512 + 512) + 512, out_channels=None)
# the second FPN level is built but not read (img_levels=1): DDP must allow unused parameters
find_unused_parameters = True
