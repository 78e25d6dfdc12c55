"""xnet_fusion.reproduce's train_row: an interrupted row resumes its own last checkpoint, even
when it starts from another row's weights (mmengine resumes from ``load_from`` when both are
set); the training time and precision come back with the checkpoint."""

import common.openmmlab
from common.openmmlab import checkpoint_to_load
from xnet_fusion.reproduce import train_row


class _Runner:
    def train(self):
        pass


def _train(row_dir, root, monkeypatch, load_from):
    built = []
    monkeypatch.setattr(common.openmmlab, 'build_runner',
                        lambda cfg, head: built.append(cfg) or _Runner())
    trained = train_row('geometric', root, row_dir, 1.0, load_from)
    return built[0], trained


def test_interrupted_row_resumes_its_own_checkpoint(synth_kitti_root, tmp_path, monkeypatch):
    row_dir = tmp_path / 'geometric'
    row_dir.mkdir()
    own = row_dir / 'iter_5.pth'
    (row_dir / 'last_checkpoint').write_text(str(own))
    cfg, trained = _train(row_dir, synth_kitti_root, monkeypatch, str(tmp_path / 'base.pth'))
    assert cfg.resume and checkpoint_to_load(cfg) == str(own)
    assert trained.checkpoint == own and trained.seconds >= 0 and trained.precision is None


def test_fresh_row_starts_from_the_given_weights(synth_kitti_root, tmp_path, monkeypatch):
    row_dir = tmp_path / 'geometric'
    base = str(tmp_path / 'base.pth')

    def train():  # the run writes its checkpoint pointer, as mmengine's CheckpointHook does
        row_dir.mkdir()
        (row_dir / 'last_checkpoint').write_text(str(row_dir / 'iter_1.pth'))

    monkeypatch.setattr(_Runner, 'train', lambda self: train())
    cfg, trained = _train(row_dir, synth_kitti_root, monkeypatch, base)
    assert not cfg.resume and checkpoint_to_load(cfg) == base
    assert trained.checkpoint == row_dir / 'iter_1.pth'
