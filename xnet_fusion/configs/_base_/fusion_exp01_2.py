# exp01_2: exp01 reading both image FPN levels (summed on the BEV grid).
# None channel counts follow the connected modules (XNet fills them in): img_channels the
# image FPN's, pts_channels the point FPN's outputs, fusion_neck.out_channels the head's input
pre_fusion = dict(type='NaivePreFusion', img_channels=None, pts_channels=None,
                  img_out_channels=64, pts_out_channels=64, img_levels=2, dropout_ratio=0.2)
get_graph = dict(type='LearnedGraph', in_channels=64 + 64)
fusion = dict(type='GNNFusion', in_channels=64 + 64, num_layers=3, conv='gcn')
fusion_neck = dict(type='FusionNeck', in_channels=4 * (64 + 64), out_channels=None)
find_unused_parameters = False
