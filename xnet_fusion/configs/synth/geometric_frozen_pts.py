# geometric_frozen_pts on the synthetic data: synth geometric with the point branch frozen;
# starts from the synthetic-data base checkpoint (reproduce.py passes it as load_from).
_base_ = ['./geometric.py']
model = dict(freeze=('pts_middle_encoder', 'pts_backbone', 'pts_neck'))
