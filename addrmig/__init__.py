"""addrmig: get a legacy address export into Akinon Commerce.

The library behind the Streamlit app and the command line; it never imports Streamlit.
"""
__version__ = "0.1.0"
