"""The TAK gateway: Cursor-on-Target in from ATAK/WinTAK devices, the picture out.

``sidc`` turns the catalogue's 2525D codes into CoT types, ``events`` builds and
reads events (hardened), ``framing`` splits streams and speaks TAK protocol 1.
"""
