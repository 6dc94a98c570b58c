"""Talking to Akinon: the API client, the submit/wait flow, the location download, the sandbox."""
from addrmig.akinon.client import AkinonClient, Progress
from addrmig.akinon.flow import check, submit, wait

__all__ = ["AkinonClient", "Progress", "submit", "wait", "check"]
