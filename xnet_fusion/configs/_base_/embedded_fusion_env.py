# embedded_env.py for the fusion rows: the same one-cycle shape from a half as high learning rate
# (peak 5e-3 instead of 1e-2); the randomly initialised image branch and the fusion stages
# trained unstably at the point branch's peak.
_base_ = ['./embedded_env.py']
lr = 5e-4
optim_wrapper = dict(optimizer=dict(lr=lr))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=16, eta_min=lr * 10, begin=0, end=16, by_epoch=True,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=24, eta_min=lr * 1e-4, begin=16, end=40, by_epoch=True,
         convert_to_iter_based=True),
]
