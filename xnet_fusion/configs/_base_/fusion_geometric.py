# geometric: exp01 with the image features sampled where each BEV cell projects into the image
# (point_cloud_range defaults to the voxelization range), both FPN levels.
# img_channels=None: the image neck's out_channels (XNet fills it in)
pre_fusion = dict(type='GeometricPreFusion', img_channels=None, pts_channels=512,
                  img_out_channels=64, pts_out_channels=64, img_levels=2, dropout_ratio=0.2,
                  point_cloud_range=None, heights=(-1.0,))
get_graph = dict(type='LearnedGraph', in_channels=64 + 64)
fusion = dict(type='GNNFusion', in_channels=64 + 64, num_layers=3, conv='gcn')
fusion_neck = dict(type='FusionNeck', in_channels=4 * (64 + 64), out_channels=512)
find_unused_parameters = False
