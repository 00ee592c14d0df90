"""Writes in 社情民意, one module per part; each write is one transaction with one audit event.

Callers import each service from the module that defines it (`from gongzhi.voices.services.workflow import
voice_accept`)."""
