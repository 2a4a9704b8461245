"""Adjudication at scale: ours (vectorised) vs a naive per-incident loop vs PostGIS.

1,000,000 synthetic incidents over eastern and southern Ukraine, against the
line of contact of 2 April 2025 and 139 zones (buffer, four withdrawal bands,
power plants at three radii, a maritime zone). The naive loop runs on a
subsample and is extrapolated; its breaches must equal ours on that subsample.

PostGIS gets the same points, line segments, site centres, occupied area and
maritime zone, in the same metric coordinates (SRID 0, so distances are plain
metres as in ours), with GiST indexes, and answers every clause with
ST_DWithin / ST_Distance / ST_Contains; its breach set must equal ours exactly.
The script starts a throwaway cluster (initdb in a temporary folder, pg_ctl on
127.0.0.1 and a free port, as the ``postgres`` user when run as root) and stops
it at the end. It installs nothing: without PostgreSQL and PostGIS it says how
to install them (Debian: ``apt-get install -y postgresql postgis``) and skips
that column.

Run: ``.venv/bin/python benchmarks/adjudicate.py [N] [--no-postgis]``; prints a
Markdown table.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Point

from peaceforce.geo.crs import lonlat_to_metric, to_metric
from peaceforce.geo.frontline import line_of_contact_from_file
from peaceforce.monitoring.adjudicate import BreachTable, adjudicate_arrays, correlate
from peaceforce.monitoring.agreement import (
    Agreement,
    CompiledZones,
    DemilitarisedBuffer,
    HeavyWeaponWithdrawal,
    NoFireAcrossLine,
    NoNavalAttacks,
    ProtectedSites,
    Side,
    WindowOfSilence,
    compile_zones,
    load_sites,
)
from peaceforce.monitoring.arrays import IncidentArrays, line_segments
from peaceforce.monitoring.incidents import IncidentType, WeaponClass

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
START = datetime(2025, 4, 1, tzinfo=UTC)
TYPES = list(IncidentType)
WEAPONS = list(WeaponClass)


def agreement() -> Agreement:
    sea = {
        "type": "Polygon",
        "coordinates": [[[30, 43.5], [36.5, 43.5], [36.5, 45.2], [30, 45.2], [30, 43.5]]],
    }
    return Agreement.model_validate(
        {
            "id": "bench",
            "name": "Benchmark ceasefire",
            "parties": [
                {"id": "UKR", "name": "Ukraine", "holds": "unoccupied"},
                {"id": "RUS", "name": "Russian Federation", "holds": "occupied"},
            ],
            "period": {"start": START, "days": 90},
            "scope": "full",
            "clauses": [
                {"kind": "no_fire_across_line", "id": "nofire", "within_km": 50},
                {"kind": "demilitarised_buffer", "id": "buffer", "width_km": 15},
                HeavyWeaponWithdrawal.minsk_ii("withdraw").model_dump(),
                {
                    "kind": "protected_sites",
                    "id": "plants",
                    "categories": ["power_plant"],
                    "radius_km": 10,
                },
                {
                    "kind": "protected_sites",
                    "id": "grid",
                    "categories": ["energy_infrastructure"],
                    "radius_km": 3,
                },
                {
                    "kind": "protected_sites",
                    "id": "nuclear",
                    "categories": ["nuclear"],
                    "radius_km": 30,
                },
                {"kind": "no_naval_attacks", "id": "sea", "zone": sea},
                {
                    "kind": "window_of_silence",
                    "id": "easter",
                    "windows": [{"start": "2025-04-19T16:00:00Z", "end": "2025-04-21T00:00:00Z"}],
                },
            ],
        }
    )


def synthetic(n: int, seed: int = 1) -> IncidentArrays:
    rng = np.random.default_rng(seed)
    lon, lat = rng.uniform(30.0, 40.0, n), rng.uniform(44.5, 51.0, n)
    x, y = lonlat_to_metric(lon, lat)
    type_code = rng.integers(0, len(TYPES), n).astype(np.int16)
    sighting = type_code == TYPES.index(IncidentType.WEAPONS_SIGHTING)
    return IncidentArrays(
        ids=np.array([f"s{i}" for i in range(n)]),
        x=x,
        y=y,
        t=rng.integers(
            int(START.timestamp()) - 86400 * 10, int(START.timestamp()) + 86400 * 100, n
        ),
        type_code=type_code,
        weapon_code=np.where(sighting, rng.integers(0, len(WEAPONS), n), -1).astype(np.int16),
        party_code=rng.integers(-1, 2, n).astype(np.int16),
        confidence=rng.uniform(0.1, 1.0, n),
        attribution_confidence=np.full(n, np.nan),
    )


def naive(zones: CompiledZones, arrays: IncidentArrays, rows: np.ndarray) -> set[tuple[int, int]]:
    """One incident at a time, one clause at a time, scalar shapely calls."""
    agreement = zones.agreement
    start = agreement.period.start.timestamp()
    end = agreement.period.end.timestamp() if agreement.period.end else np.inf
    sites = {s.id: to_metric(Point(s.lon, s.lat)) for s in zones.sites}
    found = set()
    for row in rows:
        point = Point(arrays.x[row], arrays.y[row])
        t = arrays.t[row]
        if not start <= t < end:
            continue
        kind = TYPES[arrays.type_code[row]]
        km = zones.line.distance(point) / 1000.0
        for number, clause in enumerate(agreement.clauses):
            if kind not in clause.types:
                continue
            hit = False
            if isinstance(clause, NoFireAcrossLine):
                party = arrays.party_code[row]
                own = party >= 0 and (
                    agreement.parties[party].holds is Side.OCCUPIED
                ) == zones.occupied.contains(point)
                hit = (clause.within_km is None or km < clause.within_km) and not own
            elif isinstance(clause, DemilitarisedBuffer):
                hit = km < clause.width_km
            elif isinstance(clause, HeavyWeaponWithdrawal):
                code = arrays.weapon_code[row]
                weapon = WEAPONS[code] if code >= 0 else None
                hit = weapon in clause.security_zone_km and km < clause.each_side_km(weapon)
            elif isinstance(clause, ProtectedSites):
                chosen = [sites[s.id] for s in zones.sites if s.categories & clause.categories]
                hit = any(site.distance(point) < clause.radius_km * 1000.0 for site in chosen)
            elif isinstance(clause, NoNavalAttacks):
                hit = to_metric(clause.zone).contains(point)
            elif isinstance(clause, WindowOfSilence):
                hit = any(w.start.timestamp() <= t < w.end.timestamp() for w in clause.windows)
            if hit:
                found.add((int(row), number))
    return found


# --- PostGIS ---------------------------------------------------------------------------

INSTALL_HINT = (
    "PostgreSQL with PostGIS not found; on Debian/Ubuntu: "
    "apt-get update && apt-get install -y postgresql postgis"
)


def _pg_bindir() -> Path | None:
    """The folder of initdb/pg_ctl/psql of a PostgreSQL whose PostGIS extension is installed."""
    candidates = sorted((str(d) for d in Path("/usr/lib/postgresql").glob("*/bin")), reverse=True)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.insert(0, str(Path(on_path).resolve().parent))
    for folder in candidates:
        config = Path(folder) / "pg_config"
        if not config.exists():
            continue
        share = subprocess.run(
            [str(config), "--sharedir"], capture_output=True, text=True, check=True
        ).stdout.strip()
        if (Path(share) / "extension" / "postgis.control").exists():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Postgres:
    """A throwaway PostgreSQL cluster on 127.0.0.1, driven through psql."""

    def __init__(self, bindir: Path, folder: Path, port: int) -> None:
        self.bindir, self.folder, self.port = bindir, folder, port
        # initdb and postgres refuse to run as root: run the server as "postgres"
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def run(self, *args: str) -> None:
        subprocess.run([*self.prefix, *args], check=True, capture_output=True, text=True)

    def psql(self, sql: str, stdin: str | None = None) -> str:
        result = subprocess.run(
            [
                str(self.bindir / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "bench",
                "-c", sql,
            ],
            input=stdin, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"psql failed: {result.stderr.strip()}\n{sql[:400]}")
        return result.stdout


@contextlib.contextmanager
def postgres_cluster(bindir: Path) -> Iterator[Postgres]:
    """initdb in a temporary folder, start on a free port, yield, stop and remove."""
    folder = Path(tempfile.mkdtemp(prefix="pf-postgis-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    cluster = Postgres(bindir, folder, _free_port())
    started = False
    try:
        cluster.run(
            str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
            "--no-sync", "-E", "UTF8",
        )  # fmt: skip
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={cluster.port} -c unix_socket_directories="
            f"{folder} -c shared_buffers=1GB -c work_mem=256MB -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        cluster.run(
            str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l",
            str(folder / "log"), "-w", "start",
        )  # fmt: skip
        started = True
        subprocess.run(
            [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(cluster.port),
             "-U", "postgres", "bench"],
            check=True, capture_output=True,
        )  # fmt: skip
        cluster.psql("CREATE EXTENSION postgis")
        yield cluster
    finally:
        if started:
            cluster.run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def _csv(*columns: np.ndarray, formats: str) -> str:
    buffer = io.StringIO()
    np.savetxt(buffer, np.column_stack(columns), fmt=formats, delimiter=",")
    return buffer.getvalue()


def _real(value: float) -> str:
    """A float literal that PostgreSQL reads back as the same double."""
    return repr(float(value))


def postgis_sql(zones: CompiledZones, *, nearest: bool = False) -> str:
    """One query: every (incident, clause) breach, clause by clause, as ours decides them.

    Plain: each line clause asks ST_DWithin of the segments (GiST) within its own
    limit. ``nearest``: the distance to the line was measured once per point
    (table ``ptsd``, column ``d``, by KNN ``<->`` on the segments, as ours does
    with an STRtree), and the line clauses compare it.
    """
    agreement = zones.agreement
    edge = 1e-3  # as ours: a limit of N km is breached strictly inside N km - 1 mm
    start = int(agreement.period.start.timestamp())
    end = int(agreement.period.end.timestamp()) if agreement.period.end else 2**62
    period = f"p.t >= {start} AND p.t < {end}"
    occupied_parties = [i for i, q in enumerate(agreement.parties) if q.holds is Side.OCCUPIED]

    def near_line(km: float) -> str:
        metres = _real(km * 1000.0 - edge)
        if nearest:
            return f"p.d < {metres}"
        return (
            "EXISTS (SELECT 1 FROM seg s WHERE ST_DWithin(p.geom, s.geom, "
            f"{metres}) AND ST_Distance(p.geom, s.geom) < {metres})"
        )

    selects = []
    for number, clause in enumerate(agreement.clauses):
        codes = ",".join(str(TYPES.index(t)) for t in sorted(clause.types))
        table = "ptsd" if nearest else "pts"
        base = (
            f"SELECT p.id, {number} AS clause FROM {table} p WHERE {period} AND p.type IN ({codes})"
        )
        if isinstance(clause, NoFireAcrossLine):
            holds = f"(p.party IN ({','.join(map(str, occupied_parties)) or '-99'}))"
            inside = "ST_Contains((SELECT geom FROM occupied), p.geom)"
            own = f"(p.party >= 0 AND {holds} = {inside})"
            near = f" AND {near_line(clause.within_km)}" if clause.within_km else ""
            selects.append(f"{base}{near} AND NOT {own}")
        elif isinstance(clause, DemilitarisedBuffer):
            selects.append(f"{base} AND {near_line(clause.width_km)}")
        elif isinstance(clause, HeavyWeaponWithdrawal):
            for weapon in clause.security_zone_km:
                near = near_line(clause.each_side_km(weapon))
                selects.append(f"{base} AND p.weapon = {WEAPONS.index(weapon)} AND {near}")
        elif isinstance(clause, ProtectedSites):
            metres = _real(clause.radius_km * 1000.0 - edge)
            selects.append(
                f"{base} AND EXISTS (SELECT 1 FROM site s WHERE s.clause = {number} AND "
                f"ST_DWithin(p.geom, s.geom, {metres}) AND ST_Distance(p.geom, s.geom) < {metres})"
            )
        elif isinstance(clause, NoNavalAttacks):
            selects.append(
                f"{base} AND ST_Contains((SELECT geom FROM maritime WHERE clause = {number}), "
                "p.geom)"
            )
        elif isinstance(clause, WindowOfSilence):
            during = " OR ".join(
                f"(p.t >= {int(w.start.timestamp())} AND p.t < {int(w.end.timestamp())})"
                for w in clause.windows
            )
            selects.append(f"{base} AND ({during})")
    return "\nUNION ALL\n".join(selects)


def run_postgis(
    cluster: Postgres, zones: CompiledZones, arrays: IncidentArrays
) -> tuple[set[tuple[int, int]], dict[str, float]]:
    """Load the same data, index it, run the clauses; the breach set and the timings."""
    times: dict[str, float] = {}
    began = time.perf_counter()
    cluster.psql(
        "CREATE UNLOGGED TABLE pts_raw (id integer, x double precision, y double precision, "
        "t bigint, type smallint, weapon smallint, party smallint)"
    )
    ids = np.arange(len(arrays))
    cluster.psql(
        "COPY pts_raw FROM STDIN (FORMAT csv)",
        _csv(
            ids, arrays.x, arrays.y, arrays.t, arrays.type_code, arrays.weapon_code,
            arrays.party_code, formats="%d,%.17g,%.17g,%d,%d,%d,%d",
        ),
    )  # fmt: skip
    cluster.psql(
        "CREATE UNLOGGED TABLE pts AS SELECT id, t, type, weapon, party, "
        "ST_MakePoint(x, y) AS geom FROM pts_raw; DROP TABLE pts_raw"
    )
    segments = line_segments(zones.line)
    ends = shapely.get_coordinates(segments).reshape(-1, 4)
    cluster.psql("CREATE TABLE seg_raw (x1 float8, y1 float8, x2 float8, y2 float8)")
    cluster.psql(
        "COPY seg_raw FROM STDIN (FORMAT csv)",
        _csv(ends[:, 0], ends[:, 1], ends[:, 2], ends[:, 3], formats="%.17g"),
    )
    cluster.psql(
        "CREATE TABLE seg AS SELECT ST_MakeLine(ST_MakePoint(x1, y1), ST_MakePoint(x2, y2)) "
        "AS geom FROM seg_raw"
    )
    # ours measures to the centre of each site's circle: give PostGIS the same centres
    rows = []
    for number, clause in enumerate(zones.agreement.clauses):
        if isinstance(clause, ProtectedSites):
            circles = [z.geometry for z in zones.zones if z.clause_id == clause.id]
            for centre in shapely.centroid(circles):
                rows.append((number, centre.x, centre.y))
    cluster.psql("CREATE TABLE site_raw (clause integer, x float8, y float8)")
    site_rows = np.array(rows, dtype=float).reshape(-1, 3)
    cluster.psql(
        "COPY site_raw FROM STDIN (FORMAT csv)",
        _csv(site_rows[:, 0], site_rows[:, 1], site_rows[:, 2], formats="%d,%.17g,%.17g"),
    )
    cluster.psql("CREATE TABLE site AS SELECT clause, ST_MakePoint(x, y) AS geom FROM site_raw")
    cluster.psql(
        "CREATE TABLE occupied AS SELECT ST_GeomFromWKB(decode("
        f"'{shapely.to_wkb(zones.occupied, hex=True)}', 'hex')) AS geom"
    )
    maritime = [
        f"({number}, ST_GeomFromWKB(decode('{shapely.to_wkb(zone.geometry, hex=True)}', 'hex')))"
        for number, clause in enumerate(zones.agreement.clauses)
        if isinstance(clause, NoNavalAttacks)
        for zone in zones.zones
        if zone.clause_id == clause.id
    ]
    cluster.psql("CREATE TABLE maritime (clause integer, geom geometry)")
    if maritime:
        cluster.psql(f"INSERT INTO maritime VALUES {', '.join(maritime)}")
    times["load"] = time.perf_counter() - began
    began = time.perf_counter()
    cluster.psql(
        "CREATE INDEX ON pts USING gist (geom); CREATE INDEX ON seg USING gist (geom); "
        "CREATE INDEX ON site USING gist (geom); ANALYZE"
    )
    times["index"] = time.perf_counter() - began
    began = time.perf_counter()
    cluster.psql(f"CREATE UNLOGGED TABLE breach AS {postgis_sql(zones)}")
    times["query"] = time.perf_counter() - began
    plain = _read_pairs(cluster, "breach")
    # the distance to the line once per point, nearest segment first, searched no
    # farther than the widest line zone (as ours)
    cap = _real(zones.line_reach_km() * 1000.0)
    began = time.perf_counter()
    cluster.psql(
        "CREATE UNLOGGED TABLE ptsd AS SELECT p.*, (SELECT ST_Distance(p.geom, s.geom) "
        f"FROM seg s WHERE ST_DWithin(p.geom, s.geom, {cap}) ORDER BY p.geom <-> s.geom "
        "LIMIT 1) AS d FROM pts p"
    )
    cluster.psql(f"CREATE UNLOGGED TABLE breach_knn AS {postgis_sql(zones, nearest=True)}")
    times["query_nearest"] = time.perf_counter() - began
    if _read_pairs(cluster, "breach_knn") != plain:
        raise SystemExit("the two PostGIS formulations differ")
    return plain, times


def _read_pairs(cluster: Postgres, table: str) -> set[tuple[int, int]]:
    text = cluster.psql(f"COPY {table} TO STDOUT (FORMAT csv)")
    pairs = np.loadtxt(io.StringIO(text), delimiter=",", dtype=np.int64, ndmin=2)
    return {(int(a), int(b)) for a, b in pairs}


def _pairs(table: BreachTable) -> set[tuple[int, int]]:
    return set(zip(table.incident.tolist(), table.clause.tolist(), strict=True))


def main(n: int, *, with_postgis: bool = True) -> None:
    line = line_of_contact_from_file(DATA / "frontline" / "occupied_20250402.geojson")
    sites = load_sites(DATA / "infrastructure" / "power_plants_ukraine.csv")
    began = time.perf_counter()
    zones = compile_zones(agreement(), line, sites)
    compile_s = time.perf_counter() - began
    arrays = synthetic(n)
    began = time.perf_counter()
    table = adjudicate_arrays(zones, arrays)
    ours_s = time.perf_counter() - began
    ours = _pairs(table)
    if len(ours) != len(table):
        raise SystemExit("ours gave an (incident, clause) pair twice")
    began = time.perf_counter()
    labels = correlate(arrays)
    correlate_s = time.perf_counter() - began
    sample = np.random.default_rng(2).choice(n, size=min(n, 2000), replace=False)
    began = time.perf_counter()
    slow = naive(zones, arrays, sample)
    naive_s = (time.perf_counter() - began) * n / len(sample)
    in_sample = set(sample.tolist())
    if {pair for pair in ours if pair[0] in in_sample} != slow:
        raise SystemExit("ours and the naive loop differ on the subsample")
    postgis: tuple[set[tuple[int, int]], dict[str, float]] | None = None
    bindir = _pg_bindir() if with_postgis else None
    if with_postgis and bindir is None:
        print(INSTALL_HINT, file=sys.stderr)
    if bindir is not None:
        with postgres_cluster(bindir) as cluster:
            version = cluster.psql("SELECT postgis_full_version()").split(" GEOS=")[0]
            server = cluster.psql("SHOW server_version").strip()
            postgis = run_postgis(cluster, zones, arrays)
        if postgis[0] != ours:
            raise SystemExit(
                f"PostGIS and ours differ: {len(postgis[0] - ours)} only in PostGIS, "
                f"{len(ours - postgis[0])} only in ours"
            )
        if {pair for pair in postgis[0] if pair[0] in in_sample} != slow:
            raise SystemExit("PostGIS and the naive loop differ on the subsample")
    events = len(np.unique(labels))
    print(
        f"{n:,} incidents, {len(zones.zones)} zones, {len(table):,} breaches, {events:,} events\n"
    )
    print("| step | method | seconds |")
    print("|---|---|---:|")
    print(f"| compile zones | ours (project once, buffers) | {compile_s:.2f} |")
    print(f"| adjudicate | ours (vectorised, STRtree) | {ours_s:.2f} |")
    sampled = f"naive loop, {len(sample):,} sampled and extrapolated to {n:,}"
    print(f"| adjudicate | {sampled} | {naive_s:.0f} |")
    if postgis is not None:
        times = postgis[1]
        method = "PostGIS, ST_DWithin per clause / ST_Contains, GiST; the query only"
        print(f"| adjudicate | {method} | {times['query']:.2f} |")
        method = "PostGIS, nearest segment once per point (KNN <->), then per clause"
        print(f"| adjudicate | {method} | {times['query_nearest']:.2f} |")
        print(
            f"| load into PostGIS | COPY of points, segments, sites, zones | {times['load']:.2f} |"
        )
        method = "GiST on points, segments, sites; ANALYZE"
        print(f"| index in PostGIS | {method} | {times['index']:.2f} |")
    print(f"| correlate reports (2 km, 30 min) | ours (space-time grid) | {correlate_s:.2f} |")
    print(
        f"\nBreaches identical to the naive loop on the {len(sample):,}-incident subsample", end=""
    )
    print(f" and to PostGIS on all {n:,}." if postgis is not None else "; PostGIS not run.")
    print(f"shapely {shapely.__version__}, GEOS {shapely.geos_version_string}", end="")
    print(f"; PostgreSQL {server}, {version.strip()}." if postgis is not None else ".")


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(
        int(arguments[0]) if arguments else 1_000_000,
        with_postgis="--no-postgis" not in sys.argv,
    )
