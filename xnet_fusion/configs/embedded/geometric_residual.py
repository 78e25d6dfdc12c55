# geometric_residual on the embedded data: embedded geometric with a residual fusion neck; starts
# from the embedded base checkpoint (reproduce.py passes it as load_from).
_base_ = ['./geometric.py']
model = dict(fusion_neck=dict(residual=True))
