"""Presentation: how results look to people (tables, TPFDD files, charts, maps, HTML).

Stages compute; this package renders what they computed. The CLI, and later the
briefing pack and the API, call it; nothing in a stage folder imports it.
"""
