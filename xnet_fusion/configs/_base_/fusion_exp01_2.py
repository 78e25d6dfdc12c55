# exp01_2: exp01 reading both image FPN levels (summed on the BEV grid).
# img_channels=None: the image neck's out_channels (XNet fills it in)
pre_fusion = dict(type='NaivePreFusion', img_channels=None, pts_channels=512,
                  img_out_channels=64, pts_out_channels=64, img_levels=2, dropout_ratio=0.2)
get_graph = dict(type='LearnedGraph', in_channels=64 + 64)
fusion = dict(type='GNNFusion', in_channels=64 + 64, num_layers=3, conv='gcn')
fusion_neck = dict(type='FusionNeck', in_channels=4 * (64 + 64), out_channels=512)
find_unused_parameters = False
