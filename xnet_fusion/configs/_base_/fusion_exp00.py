# exp00: naive pre-fusion + 1x1-conv fusion of the concatenation (no graph).
# img_channels=None: the image neck's out_channels (XNet fills it in)
pre_fusion = dict(type='NaivePreFusion', img_channels=None, pts_channels=512,
                  img_out_channels=512, pts_out_channels=512, img_levels=1, dropout_ratio=0.2)
get_graph = None
fusion = dict(type='ConcatFusion', in_channels=512 + 512, out_channels=512)
fusion_neck = dict(type='FusionNeck', in_channels=(512 + 512) + 512, out_channels=512)
# the second FPN level is built but not read (img_levels=1): DDP must allow unused parameters
find_unused_parameters = True
