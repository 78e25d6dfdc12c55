"""ctdet losses: CornerNet focal loss on the heatmap, masked L1 on size and offset.

Official code: src/lib/models/losses.py (_neg_loss, RegL1Loss) and src/lib/trains/ctdet.py.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

HM_WEIGHT, WH_WEIGHT, OFF_WEIGHT = 1.0, 0.1, 1.0  # official opts: hm_weight, wh_weight, off_weight


def clamped_sigmoid(x: torch.Tensor) -> torch.Tensor:
    """sigmoid clamped to [1e-4, 1 - 1e-4] so log() stays finite (official ``_sigmoid``)."""
    return torch.clamp(x.sigmoid(), min=1e-4, max=1 - 1e-4)


def focal_loss(pred: torch.Tensor, gt: torch.Tensor) -> torch.Tensor:
    """CornerNet focal loss (official ``_neg_loss``); pred, gt: (B, C, H, W) probabilities.

    pos (gt == 1): (1-p)^2 log p; neg: (1-gt)^4 p^2 log(1-p); summed and divided by the number
    of positives (just the negative term when there are none).
    """
    pos_inds = gt.eq(1).float()
    neg_inds = gt.lt(1).float()
    neg_weights = torch.pow(1 - gt, 4)
    pos_loss = (torch.log(pred) * torch.pow(1 - pred, 2) * pos_inds).sum()
    neg_loss = (torch.log(1 - pred) * torch.pow(pred, 2) * neg_weights * neg_inds).sum()
    num_pos = pos_inds.sum()
    if num_pos == 0:
        return -neg_loss
    return -(pos_loss + neg_loss) / num_pos


def gather_feat(feat: torch.Tensor, ind: torch.Tensor) -> torch.Tensor:
    """(B, D, H, W) map, (B, K) flat indices y*W+x -> (B, K, D) (official
    ``_transpose_and_gather_feat``)."""
    b, d = feat.shape[:2]
    feat = feat.view(b, d, -1).permute(0, 2, 1)
    return feat.gather(1, ind.unsqueeze(2).expand(-1, -1, d))


def reg_l1_loss(output: torch.Tensor, mask: torch.Tensor, ind: torch.Tensor,
                target: torch.Tensor) -> torch.Tensor:
    """Masked L1 (official ``RegL1Loss``): output (B, 2, H, W), mask/ind (B, K), target (B, K, 2).

    Divided by mask.sum() over both channels, i.e. by 2 x number of objects, as the original.
    """
    pred = gather_feat(output, ind)
    m = mask.unsqueeze(2).expand_as(pred).float()
    loss = F.l1_loss(pred * m, target * m, reduction="sum")
    return loss / (m.sum() + 1e-4)


def ctdet_loss(outputs: dict[str, torch.Tensor], batch: dict[str, torch.Tensor],
               wh_weight: float = WH_WEIGHT, off_weight: float = OFF_WEIGHT
               ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Total loss and its parts; outputs: raw hm logits (B, C, H, W), wh and reg (B, 2, H, W)."""
    hm = clamped_sigmoid(outputs["hm"].float())
    hm_loss = focal_loss(hm, batch["hm"])
    wh_loss = reg_l1_loss(outputs["wh"].float(), batch["reg_mask"], batch["ind"], batch["wh"])
    off_loss = reg_l1_loss(outputs["reg"].float(), batch["reg_mask"], batch["ind"], batch["reg"])
    loss = HM_WEIGHT * hm_loss + wh_weight * wh_loss + off_weight * off_loss
    return loss, {"loss": loss.detach(), "hm_loss": hm_loss.detach(),
                  "wh_loss": wh_loss.detach(), "off_loss": off_loss.detach()}
