"""The web app: customer web chat (/chat), agent console (/agent), staff studio (/studio)."""
