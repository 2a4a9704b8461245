"""MIL-STD-2525D / APP-6(D) symbol codes as Cursor-on-Target types.

A CoT type for a unit is ``a-<affiliation>-<dimension>-<function>``, where the
function is MIL-STD-2525C's function id, one letter per dash
(``a-f-G-U-C-I`` is a friendly infantry unit). The catalogue gives 2525D
codes, whose entity numbers are not 2525C's letters, so the entity is looked up
in the joint mapping between the two editions (the US Army and Esri's
joint-military-symbology-xml legacy table, ``LegacyMappingTableCtoD.csv``). An
entity the table below does not list falls back to its parent entity, then to
the dimension's generic unit type (``a-f-G-U``), so every valid SIDC gives a
type ATAK can draw.
"""

from __future__ import annotations

#: 2525D standard identity (SIDC position 4) to the CoT affiliation letter.
AFFILIATION = {
    "0": "p",  # pending
    "1": "u",  # unknown
    "2": "a",  # assumed friend
    "3": "f",  # friend
    "4": "n",  # neutral
    "5": "s",  # suspect
    "6": "h",  # hostile
}

#: 2525D symbol set to the CoT battle dimension and the generic function of that set.
DIMENSION: dict[str, tuple[str, str]] = {
    "01": ("A", "M"),  # air: military
    "02": ("A", "W"),  # air missile: weapon
    "05": ("P", ""),  # space
    "06": ("P", ""),  # space missile
    "10": ("G", "U"),  # land unit
    "11": ("G", ""),  # land civilian
    "15": ("G", "E"),  # land equipment
    "20": ("G", "I"),  # land installation
    "25": ("G", ""),  # control measure
    "30": ("S", ""),  # sea surface
    "35": ("U", ""),  # sea subsurface
    "36": ("U", "W"),  # mine warfare
    "40": ("G", ""),  # activities
}

#: (symbol set, 2525D entity code) to the 2525C function id, from the legacy mapping table.
FUNCTION: dict[tuple[str, str], str] = {
    # land units (symbol set 10)
    # C2 has no 2525C entity (2525D marks a headquarters with its HQ amplifier): 2525B's
    # headquarters unit, which the table lists as retired, is what ATAK draws for it
    ("10", "110000"): "UH",
    ("10", "111000"): "UUS",  # signal
    ("10", "120400"): "UCAA",  # antitank/antiarmour
    ("10", "120500"): "UCAT",  # armour/armoured/mechanised/tracked
    ("10", "120501"): "UCRVA",  # armoured reconnaissance
    ("10", "120600"): "UCV",  # army aviation, rotary wing
    ("10", "120800"): "UCVF",  # aviation, fixed wing
    ("10", "120900"): "UC",  # combat
    ("10", "121100"): "UCI",  # infantry
    ("10", "121102"): "UCIZ",  # infantry, armoured/mechanised/tracked
    ("10", "121104"): "UCIM",  # infantry, motorised
    ("10", "121300"): "UCR",  # reconnaissance/cavalry/scout
    ("10", "130100"): "UCD",  # fires: air defence
    ("10", "130300"): "UCF",  # field artillery
    ("10", "140100"): "UUA",  # CBRN defence
    ("10", "140700"): "UCE",  # engineer
    ("10", "141200"): "UULM",  # military police
    ("10", "161300"): "USM",  # sustainment: medical
    ("10", "163400"): "USS",  # sustainment: supply
    # air (symbol set 01)
    ("01", "110000"): "M",  # military
    ("01", "110100"): "MF",  # fixed wing
    ("01", "110104"): "MFF",  # fighter
    ("01", "110110"): "MFP",  # patrol
    ("01", "110111"): "MFR",  # reconnaissance
    ("01", "110200"): "MH",  # rotary wing
    ("01", "110300"): "MFQ",  # unmanned aircraft
    # sea surface (symbol set 30)
    ("30", "120000"): "C",  # military combatant
    ("30", "120200"): "CL",  # surface combatant, line
    ("30", "120203"): "CLDD",  # destroyer
    ("30", "120204"): "CLFF",  # frigate
    ("30", "120400"): "CM",  # mine warfare ship
    ("30", "120402"): "CMMS",  # minesweeper
    ("30", "120404"): "CMMH",  # minehunter
    ("30", "120500"): "CP",  # patrol boat
}


def _parents(entity: str) -> list[str]:
    """The entity code, then its type and its entity (``121102``, ``121100``, ``120000``)."""
    return list(dict.fromkeys([entity, entity[:4] + "00", entity[:2] + "0000"]))


def cot_type(sidc: str) -> str:
    """The CoT type of a 20-digit 2525D SIDC (``10031000161211000000`` → ``a-f-G-U-C-I``).

    Raises
    ------
    ValueError
        When ``sidc`` is not 20 digits or names a symbol set no CoT dimension stands for.
    """
    if len(sidc) != 20 or not sidc.isdigit():
        raise ValueError(f"a 20-digit SIDC, not {sidc!r}")
    affiliation = AFFILIATION.get(sidc[3], "u")
    symbol_set, entity = sidc[4:6], sidc[10:16]
    if symbol_set not in DIMENSION:
        raise ValueError(f"symbol set {symbol_set} of {sidc} has no CoT dimension")
    dimension, generic = DIMENSION[symbol_set]
    function = next(
        (FUNCTION[(symbol_set, e)] for e in _parents(entity) if (symbol_set, e) in FUNCTION),
        generic,
    )
    return "-".join(["a", affiliation, dimension, *function])
