"""addrmig: get a legacy address export into Akinon Commerce.

The library behind the Streamlit app and the command line; it never imports Streamlit.
"""
import os

__version__ = "0.1.0"


def arrow_pool_chosen() -> bool:
    """Whether ``ARROW_DEFAULT_MEMORY_POOL`` chooses Arrow's memory pool (addrmig then keeps it)."""
    return bool(os.environ.get("ARROW_DEFAULT_MEMORY_POOL"))


def _arrow_memory_pool() -> None:
    """Arrow's memory from jemalloc unless ``ARROW_DEFAULT_MEMORY_POOL`` says otherwise.

    Measured on a million rows (2-core Linux VM): with Arrow's default mimalloc, pages freed by
    numpy before Arrow reads the CSV made the kernel time of ``validate`` 6.3 s (9 s in all);
    with jemalloc it is 1.1 s (4.8 s in all), and ``fix`` takes 14 s instead of 22 s, same output.
    The app's server then takes the C heap instead (:func:`addrmig.limits.return_memory_promptly`).
    """
    if arrow_pool_chosen():
        return
    import pyarrow as pa

    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
    except NotImplementedError:  # a pyarrow built without jemalloc keeps its default
        pass


_arrow_memory_pool()
