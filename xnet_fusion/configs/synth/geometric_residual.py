# geometric_residual on the synthetic data: synth geometric with a residual fusion neck; starts
# from the synthetic-data base checkpoint (reproduce.py passes it as load_from).
_base_ = ['./geometric.py']
model = dict(fusion_neck=dict(residual=True))
