# exp01_1 on the synthetic data: exp01 with the graph network frozen; starts from the synthetic
# exp01 checkpoint (reproduce.py passes it with --load-from).
_base_ = ['./exp01.py']
model = dict(freeze=('get_graph',))
load_from = None
