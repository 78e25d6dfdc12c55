# embedded_env.py for the fusion rows: the same one-cycle shape from a half as high learning rate
# (peak 5e-3 instead of 1e-2); the randomly initialised image branch and the fusion stages
# trained unstably at the point branch's peak.
_base_ = ['./embedded_env.py']
optim_wrapper = dict(optimizer=dict(lr=5e-4))
