"""``python -m addrmig COMMAND``: the same as the ``addrmig`` command."""
from addrmig.cli import console

console()
