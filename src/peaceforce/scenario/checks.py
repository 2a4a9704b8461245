"""Cross-reference checks over a parsed scenario, one named ``check_*`` function each.

Each check takes the draft (items that parsed, with their origins) and returns
the problems it finds; :func:`run_all` runs them all so that one pass reports
every fault. Checks never raise on bad data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from peaceforce.errors import Problem
from peaceforce.scenario.model import (
    DAYS_PER_MONTH,
    DecisionRule,
    Membership,
    RequiredFrameworks,
)

if TYPE_CHECKING:
    from peaceforce.scenario.loader import Draft, Located


def _problem(
    located: Located, subpath: tuple[str | int, ...], value: Any, expected: str
) -> Problem:
    return Problem(located.origin.file, located.origin.where(*subpath), repr(value), expected)


def _unknown(known: set[str], what: str) -> str:
    """'a nation defined in the scenario (ALB, AUS, ...)': what was expected, with examples."""
    sample = ", ".join(sorted(known)[:12])
    more = ", ..." if len(known) > 12 else ""
    return f"{what} defined in the scenario ({sample}{more})"


def check_duplicate_ids(draft: Draft) -> list[Problem]:
    """Every id (and nation code) is defined once; requirement line ids once per mission."""
    problems: list[Problem] = []
    keyed = {
        "nations": "code",
        "catalogue": "id",
        "pledges": "id",
        "frameworks": "id",
        "missions": "id",
        "areas": "id",
    }
    for collection, attr in keyed.items():
        seen: Counter[str] = Counter()
        for located in draft.of(collection):
            key = getattr(located.item, attr)
            seen[key] += 1
            if seen[key] == 2:
                problems.append(
                    _problem(located, (attr,), key, f"a unique {attr} among {collection}")
                )
    for mission in draft.of("missions"):
        lines: Counter[str] = Counter()
        for index, line in enumerate(mission.item.requirements):
            lines[line.id] += 1
            if lines[line.id] == 2:
                problems.append(
                    _problem(
                        mission,
                        ("requirements", index, "id"),
                        line.id,
                        "a unique line id within the mission",
                    )
                )
    return problems


#: A place that names another entity: the item, the path inside it, the name used.
Reference = tuple["Located", tuple[str | int, ...], str | None]


def _unknown_references(
    references: Iterable[Reference], known: set[str], what: str
) -> list[Problem]:
    """A problem for every reference to a name that is not in ``known``."""
    return [
        _problem(located, path, name, _unknown(known, what))
        for located, path, name in references
        if name is not None and name not in known
    ]


def _nation_references(draft: Draft) -> Iterator[Reference]:
    for collection in ("stances", "pledges"):
        for located in draft.of(collection):
            yield located, ("nation",), located.item.nation
    if draft.header is not None:
        for index, party in enumerate(draft.header.item.parties):
            yield draft.header, ("parties", index, "nation"), party.nation
    for located in draft.of("frameworks"):
        for attr in ("members", "veto_members"):
            for index, code in enumerate(getattr(located.item, attr)):
                if code not in Membership.__members__:  # "NATO" stands for its members
                    yield located, (attr, index), code
    for located in draft.of("areas"):
        yield located, ("host_nation",), located.item.host_nation
    for located in draft.of("transport"):
        for index, node in enumerate(located.item.nodes):
            yield located, ("nodes", index, "country"), node.country
        for index, pool in enumerate(located.item.lift_pools):
            for n_index, code in enumerate(pool.nations):
                yield located, ("lift_pools", index, "nations", n_index), code


def check_nations_known(draft: Draft) -> list[Problem]:
    """Stances, pledges, parties, framework members, areas and transport name defined nations."""
    return _unknown_references(
        _nation_references(draft), draft.known_ids("nations", "code"), "a nation"
    )


def _unit_type_references(draft: Draft) -> Iterator[Reference]:
    for located in draft.of("pledges"):
        yield located, ("unit_type",), located.item.unit_type
    for located in draft.of("catalogue"):
        for index, substitute in enumerate(located.item.substitutes):
            yield located, ("substitutes", index), substitute
    for located in draft.of("missions"):
        for index, line in enumerate(located.item.requirements):
            yield located, ("requirements", index, "capability"), line.capability


def check_unit_types_known(draft: Draft) -> list[Problem]:
    """Pledges, requirement lines and substitutes name unit types of the catalogue."""
    known = draft.known_ids("catalogue", "id")
    return _unknown_references(_unit_type_references(draft), known, "a unit type")


def check_areas_known(draft: Draft) -> list[Problem]:
    """Requirement lines name areas of areas.geojson."""
    references = (
        (located, ("requirements", index, "area"), line.area)
        for located in draft.of("missions")
        for index, line in enumerate(located.item.requirements)
    )
    return _unknown_references(references, draft.known_ids("areas", "id"), "an area")


def check_access_regimes(draft: Draft) -> list[Problem]:
    """Access regimes name known areas; a tonnage limit needs every limited ship's displacement."""
    references = (
        (located, ("areas", index), area)
        for located in draft.of("access_regimes")
        for index, area in enumerate(located.item.areas)
    )
    problems = _unknown_references(references, draft.known_ids("areas", "id"), "an area")
    for located in draft.of("access_regimes"):
        regime = located.item
        if (
            regime.aggregate_tonnage is None
            and regime.state_tonnage is None
            and regime.transit is None
        ):
            continue
        for unit in draft.of("catalogue"):
            if unit.item.domain in regime.domains and unit.item.standard_displacement_t is None:
                problems.append(
                    _problem(
                        unit,
                        ("standard_displacement_t",),
                        None,
                        f"a standard displacement (tonnes): access regime {regime.id} "
                        "limits the tonnage of this domain",
                    )
                )
    return problems


def check_line_dependencies(draft: Draft) -> list[Problem]:
    """A line waits (``after``) only for other lines of its own mission, and never in a circle."""
    problems: list[Problem] = []
    for mission in draft.of("missions"):
        lines = mission.item.requirements
        known = {line.id for line in lines}
        waits = {line.id: [w for w in line.after if w in known and w != line.id] for line in lines}
        for index, line in enumerate(lines):
            for position, wanted in enumerate(line.after):
                if wanted == line.id or wanted not in known:
                    others = known - {line.id}
                    problems.append(
                        _problem(
                            mission,
                            ("requirements", index, "after", position),
                            wanted,
                            _unknown(others, "another requirement line of this mission"),
                        )
                    )
        for index, line in enumerate(lines):
            if _waits_on_itself(line.id, waits):
                problems.append(
                    _problem(
                        mission,
                        ("requirements", index, "after"),
                        list(line.after),
                        "no circle of lines each waiting for the next",
                    )
                )
    return problems


def _waits_on_itself(start: str, waits: dict[str, list[str]]) -> bool:
    seen: set[str] = set()
    stack = list(waits[start])
    while stack:
        line = stack.pop()
        if line == start:
            return True
        if line not in seen:
            seen.add(line)
            stack.extend(waits[line])
    return False


def check_frameworks_known(draft: Draft) -> list[Problem]:
    """Caveats that require a framework name a defined framework."""
    references = (
        (located, ("caveats", c_index, "frameworks", f_index), framework)
        for located in draft.of("pledges")
        for c_index, caveat in enumerate(located.item.caveats)
        if isinstance(caveat, RequiredFrameworks)
        for f_index, framework in enumerate(caveat.frameworks)
    )
    return _unknown_references(references, draft.known_ids("frameworks", "id"), "a framework")


def check_pledge_windows(draft: Draft) -> list[Problem]:
    """A pledge's availability overlaps the period of the longest mission option."""
    if draft.header is None or not draft.of("missions"):
        return []
    d_day = draft.header.item.d_day
    longest = max(m.item.duration_months for m in draft.of("missions"))
    mission_end = d_day + timedelta(days=round(longest * DAYS_PER_MONTH))
    problems: list[Problem] = []
    for located in draft.of("pledges"):
        window = located.item.available
        if window.end < d_day or window.start > mission_end:
            problems.append(
                _problem(
                    located,
                    ("available",),
                    f"{window.start}..{window.end}",
                    f"a window overlapping the mission period {d_day}..{mission_end}",
                )
            )
    return problems


def check_framework_rules(draft: Draft) -> list[Problem]:
    """A veto rule names its veto members and the votes it needs; other rules name none."""
    problems: list[Problem] = []
    for located in draft.of("frameworks"):
        framework = located.item
        if framework.decision_rule is DecisionRule.PERMANENT_MEMBER_VETO:
            if not framework.veto_members:
                problems.append(
                    _problem(
                        located,
                        ("veto_members",),
                        [],
                        "the members holding a veto (rule permanent_member_veto)",
                    )
                )
            if framework.votes_required is None:
                problems.append(
                    _problem(
                        located,
                        ("votes_required",),
                        None,
                        "the affirmative votes needed (rule permanent_member_veto)",
                    )
                )
        elif framework.veto_members:
            problems.append(
                _problem(
                    located,
                    ("veto_members",),
                    list(framework.veto_members),
                    "no veto members unless decision_rule is permanent_member_veto",
                )
            )
    return problems


def check_file_labels(draft: Draft) -> list[Problem]:
    """``file_labels`` in scenario.yaml name files that are in the scenario folder."""
    if draft.header is None:
        return []
    present = sorted(path.name for path in draft.folder.iterdir() if path.is_file())
    return [
        _problem(
            draft.header,
            ("file_labels", name),
            name,
            f"a file of the folder ({', '.join(present)})",
        )
        for name in draft.header.item.file_labels
        if name not in present
    ]


ALL_CHECKS: tuple[Callable[[Draft], list[Problem]], ...] = (
    check_duplicate_ids,
    check_nations_known,
    check_unit_types_known,
    check_areas_known,
    check_access_regimes,
    check_frameworks_known,
    check_pledge_windows,
    check_line_dependencies,
    check_framework_rules,
    check_file_labels,
)


def run_all(draft: Draft) -> list[Problem]:
    """Every cross-reference problem of the draft, in check order."""
    return [problem for check in ALL_CHECKS for problem in check(draft)]
