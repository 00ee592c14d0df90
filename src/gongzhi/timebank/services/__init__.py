"""Writes in the time bank, one module per part; each write is one transaction with one audit event, and every
movement of points goes through `services.posting.transfer_post`. Callers import each service from its part's
module (`from gongzhi.timebank.services.ledger import points_issue`)."""
