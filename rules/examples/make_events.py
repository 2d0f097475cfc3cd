#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes rules/examples/events.jsonl: a synthetic, deterministic event stream
for the example rules (Feb-Apr 2017, ten Mexican states).

    python3 rules/examples/make_events.py            # writes events.jsonl next to this file
    vigia replay --rules 'rules/examples/*.yaml' rules/examples/events.jsonl

Everything is invented. Subjects are pseudonymous ids (p- and six hex digits),
never names. The stream mixes background reports from NGOs and media monitors,
daily check-ins of people under protection measures, panic-button presses,
and planted scenarios, each of which one example rule is meant to catch:

  * a cluster of threats against journalists in Chihuahua (late March), then
    an attempted killing of a journalist there  -> journalist-threat-cluster
    (critical, northern state), lethal-attack;
  * attacks on four different defenders of the wind farm project
    eolico-istmo-3 in Oaxaca (March), and two aggressions against women
    defenders there in the same week -> land-project-defenders-attacked,
    defender-aggression-cluster (override-1), two-warnings-one-state;
  * a searching mother in Guerrero threatened, then silent: the check-in
    service reports a missed check-in (April) -> searching-family-threat-
    then-silence, protected-person-missed-checkin (resolved when she
    checks in again);
  * a journalist in Chihuahua who misses a day and checks in late by SMS ->
    protected-person-missed-checkin, resolved;
  * panics: three with an all-clear in time, one with a late all-clear
    (fires, then resolves), two with none -> panic-without-all-clear;
  * a smear campaign after a governor's statement in Veracruz (April) ->
    official-stigmatization-spike;
  * a wave of online attacks against a woman defender in Mexico City ->
    women-defender-online-harassment (shadow);
  * sexual violence against a woman defender in Chiapas ->
    sexual-violence-against-defender;
  * threats against journalists in Sinaloa (April), days before a journalist
    is killed there -> journalist-threat-cluster (critical), lethal-attack;
  * a killing of a journalist in Veracruz (February), a disappearance in
    Michoacán (April) -> lethal-attack.

Background reports also trip some rules on their own (mostly the low
threshold for women defenders), as real traffic would. See README.md for the
alerts a replay is expected to give.
"""
import datetime as dt
import json
import os
import random

rng = random.Random(2017)

START = dt.datetime(2017, 2, 1, tzinfo=dt.timezone.utc)
END = dt.datetime(2017, 4, 30, 23, 59, tzinfo=dt.timezone.utc)
DAYS = (END - START).days + 1

STATES = {
    # region: (weight of background reports, municipalities)
    "MX-CHH": (3, ["Chihuahua", "Juárez", "Guadalupe y Calvo", "Urique"]),
    "MX-GRO": (4, ["Chilpancingo de los Bravo", "Iguala de la Independencia", "Acapulco de Juárez", "Tlapa de Comonfort"]),
    "MX-OAX": (4, ["Oaxaca de Juárez", "Juchitán de Zaragoza", "Unión Hidalgo", "San Juan Copala"]),
    "MX-VER": (3, ["Xalapa", "Veracruz", "Coatzacoalcos", "Poza Rica de Hidalgo"]),
    "MX-CMX": (3, ["Cuauhtémoc", "Iztapalapa", "Coyoacán"]),
    "MX-TAM": (2, ["Reynosa", "Nuevo Laredo", "Ciudad Victoria"]),
    "MX-MIC": (2, ["Morelia", "Apatzingán", "Cherán"]),
    "MX-CHP": (2, ["San Cristóbal de las Casas", "Tuxtla Gutiérrez", "Chenalhó"]),
    "MX-JAL": (1, ["Guadalajara", "Zapopan"]),
    "MX-SIN": (2, ["Culiacán", "Mazatlán"]),
}

GROUPS = [  # (group, weight) for background reports
    ("journalist", 5), ("women_hrd", 2), ("indigenous", 3), ("land_environment", 2),
    ("disappeared_families", 2), ("lgbti", 1), ("migrants", 1), ("trade_union", 1),
    ("lawyer", 1), ("community", 1), ("academic", 1),
]
CATEGORIES = [  # (category, weight) for background reports: mostly intimidation
    ("threat", 5), ("harassment", 4), ("online_attack", 3), ("surveillance", 2),
    ("stigmatizing_statement", 2), ("smear_campaign", 2), ("criminalization", 2),
    ("defamation_suit", 1), ("arbitrary_detention", 1), ("raid", 1), ("assault", 1),
    ("reprisal", 1), ("dos_attack", 1),
]

events = []
counters = {}


def new_id(source):
    counters[source] = counters.get(source, 0) + 1
    prefix = {"red-tdt": "redtdt", "monitor-medios": "mm", "consorcio-oax": "coax",
              "ngo-tierra": "tierra", "checkin-svc": "ci", "panic-app": "pb",
              "mecanismo": "mpf"}[source]
    return "%s-2017-%06d" % (prefix, counters[source])


def subject_id():
    return "p-%06x" % rng.randrange(1 << 24)


def ts(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def add(type_, t, source, region, **fields):
    e = {"id": new_id(source), "type": type_, "time": ts(t), "source": source, "region": region}
    for k in ("municipality", "groups", "subject", "category", "severity", "tags", "attrs"):
        if fields.get(k) is not None:
            e[k] = fields[k]
    events.append(e)
    return e


def at(month, day, hour, minute=0):
    return dt.datetime(2017, month, day, hour, minute, tzinfo=dt.timezone.utc)


def weighted(pairs):
    total = sum(w for _, w in pairs)
    x = rng.uniform(0, total)
    for item, w in pairs:
        x -= w
        if x <= 0:
            return item
    return pairs[-1][0]


# --- Background reports ----------------------------------------------------
# About one a day over the ten states. Reports come from an NGO network
# (type report) or a media monitor (type media_alert). The file is sorted by
# event time, so in a replay no report is late.
subjects_by_group = {g: [subject_id() for _ in range(12)] for g, _ in GROUPS}
region_pairs = [(r, w) for r, (w, _) in STATES.items()]
for day in range(DAYS):
    for _ in range(rng.choice([0, 1, 1, 1, 2])):
        region = weighted(region_pairs)
        group = weighted(GROUPS)
        groups = [group]
        if group != "women_hrd" and rng.random() < 0.08:
            groups.append("women_hrd")
        category = weighted(CATEGORIES)
        t = START + dt.timedelta(days=day, minutes=rng.randrange(24 * 60))
        media = category in ("smear_campaign", "stigmatizing_statement", "online_attack") and rng.random() < 0.6
        attrs = None
        if category == "stigmatizing_statement":
            attrs = {"actor_type": rng.choice(["official", "official", "public_servant", "columnist", "private"])}
        elif category in ("online_attack", "smear_campaign"):
            attrs = {"channel": rng.choice(["twitter", "facebook", "whatsapp", "web"])}
        tags = ["unverified"] if rng.random() < 0.1 else None
        add("media_alert" if media else "report", t, "monitor-medios" if media else "red-tdt", region,
            municipality=rng.choice(STATES[region][1]), groups=groups,
            subject=rng.choice(subjects_by_group[group]), category=category,
            severity=rng.choice([2, 2, 3, 3, 4]), tags=tags, attrs=attrs)

# --- People under protection measures: daily check-ins --------------------
# (subject, region, municipality, groups, case, first day, usual hour UTC)
PROTECTED = {
    "P1": ("p-7f3a9c", "MX-CHH", "Chihuahua", ["journalist"], "MP-2017-0412", at(2, 1, 0), 15),
    "P2": ("p-5a7c3e", "MX-GRO", "Iguala de la Independencia", ["disappeared_families", "women_hrd"], "MP-2017-0233", at(2, 1, 0), 1),
    "P3": ("p-9d20b7", "MX-OAX", "Unión Hidalgo", ["indigenous", "land_environment"], "MP-2017-0377", at(3, 12, 0), 17),
    "P4": ("p-2d8f61", "MX-GRO", "Chilpancingo de los Bravo", ["journalist"], "MP-2016-1187", at(2, 1, 0), 14),
    "P5": ("p-6e0a4b", "MX-VER", "Xalapa", ["women_hrd"], "MP-2016-0954", at(2, 1, 0), 16),
    "P6": ("p-b3d71e", "MX-CMX", "Cuauhtémoc", ["lgbti"], "MP-2017-0051", at(2, 1, 0), 20),
    "P7": ("p-4a9f20", "MX-SIN", "Culiacán", ["journalist"], "MP-2017-0198", at(2, 15, 0), 13),
}


def person(key):
    s, region, muni, groups, case, first, hour = PROTECTED[key]
    return s, region, muni, groups, case


# Days each person does not check in, and special check-ins.
SKIP = {
    "P1": {at(3, 26, 0).date(), at(3, 27, 0).date()},              # checks in late on Mar 27, by SMS
    "P2": {at(4, 6, 0).date(), at(4, 7, 0).date(), at(4, 8, 0).date()},  # silent after the threat; reached on Apr 8
    "P3": {at(4, 3, 0).date(), at(4, 4, 0).date()},                # trip without signal (announced)
}
TRIP = {"P3": at(4, 2, 0).date()}  # the check-in that day announces next_checkin_within: 72h

for key, (s, region, muni, groups, case, first, hour) in PROTECTED.items():
    # The mechanism's case system records the measures.
    add("measure", first + dt.timedelta(hours=9), "mecanismo", region, municipality=muni, groups=groups,
        subject=s, attrs={"status": "granted", "case": case,
                          "measures": ["checkin", "panic_button"] if key in ("P1", "P3", "P4", "P5", "P6") else ["checkin"]})
    day = first.date()
    while day <= END.date():
        if day not in SKIP.get(key, set()):
            t = dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.timezone.utc)
            t += dt.timedelta(minutes=rng.randint(-40, 40))
            if t > first + dt.timedelta(hours=9) and t <= END:
                attrs = {"case": case, "status": "ok", "channel": rng.choice(["app", "app", "app", "sms", "call"])}
                if TRIP.get(key) == day:
                    attrs["next_checkin_within"] = "72h"
                add("checkin", t, "checkin-svc", region, subject=s, attrs=attrs)
        day += dt.timedelta(days=1)

# P1 missed Mar 26: an SMS check-in arrives late in the evening of Mar 27.
s, region, muni, groups, case = person("P1")
add("checkin", at(3, 27, 23, 35), "checkin-svc", region, subject=s,
    attrs={"case": case, "status": "ok", "channel": "sms"})

# --- Panic buttons ---------------------------------------------------------
def panic(key, t, clear_after_min=None, presses=1):
    s, region, muni, groups, case = person(key)
    for i in range(presses):
        add("panic", t + dt.timedelta(minutes=3 * i), "panic-app", region, municipality=muni, subject=s,
            attrs={"device": "pb-%s" % s[2:], "battery": rng.randint(20, 95)})
    if clear_after_min is not None:
        add("checkin", t + dt.timedelta(minutes=clear_after_min), "checkin-svc", region, subject=s,
            attrs={"case": case, "status": "safe", "channel": "call"})


panic("P6", at(2, 14, 4, 10), clear_after_min=8)                # all-clear in time
panic("P5", at(3, 4, 23, 40), clear_after_min=25, presses=2)    # pressed twice, all-clear in time
panic("P4", at(3, 29, 2, 15))                                   # no all-clear: critical
panic("P1", at(4, 12, 3, 20), clear_after_min=50)               # all-clear 20 min late: fires, then resolves
panic("P7", at(4, 17, 19, 5), clear_after_min=12)               # all-clear in time
panic("P3", at(4, 21, 5, 0))                                    # no all-clear: critical

# --- Planted scenarios -----------------------------------------------------
# Chihuahua: a cluster of threats against journalists, then an attempted killing.
for (m, d, h, mi), cat, muni in [((3, 20, 17, 30), "threat", "Chihuahua"),
                                 ((3, 21, 22, 10), "online_attack", "Juárez"),
                                 ((3, 23, 15, 0), "threat", "Chihuahua"),
                                 ((3, 24, 18, 45), "surveillance", "Chihuahua")]:
    add("report", at(m, d, h, mi), "red-tdt", "MX-CHH", municipality=muni, groups=["journalist"],
        subject=subject_id(), category=cat, severity=3, tags=["social_media"] if cat == "online_attack" else None)
add("report", at(3, 28, 13, 5), "red-tdt", "MX-CHH", municipality="Chihuahua", groups=["journalist", "women_hrd"],
    subject=subject_id(), category="attempted_killing", severity=5)

# Oaxaca: defenders of the eolico-istmo-3 wind farm project.
land = [((3, 2, 16, 0), "p-4c1e02", "threat", ["land_environment"]),
        ((3, 9, 14, 30), "p-9d20b7", "assault", ["indigenous", "land_environment"]),
        ((3, 15, 19, 0), "p-e61f4a", "criminalization", ["indigenous"]),
        ((3, 27, 12, 0), "p-1a5d88", "threat", ["indigenous", "land_environment"])]
for (m, d, h, mi), s, cat, groups in land:
    add("report", at(m, d, h, mi), "ngo-tierra", "MX-OAX", municipality=rng.choice(["Juchitán de Zaragoza", "Unión Hidalgo"]),
        groups=groups, subject=s, category=cat, severity=3, attrs={"project": "eolico-istmo-3"})
# ... and two women defenders in Oaxaca the same week.
add("report", at(3, 13, 20, 0), "consorcio-oax", "MX-OAX", municipality="Oaxaca de Juárez", groups=["women_hrd"],
    subject="p-a4410e", category="threat", severity=3)
add("report", at(3, 17, 15, 30), "consorcio-oax", "MX-OAX", municipality="San Juan Copala",
    groups=["women_hrd", "indigenous"], subject="p-5be7d3", category="harassment", severity=3)

# Guerrero: a searching mother (P2) threatened, then silent.
s, region, muni, groups, case = person("P2")
add("report", at(4, 5, 14, 20), "red-tdt", region, municipality=muni, groups=groups, subject=s,
    category="threat", severity=4, attrs={"collective": "busqueda-iguala"})
add("checkin_missed", at(4, 7, 9, 0), "checkin-svc", region, subject=s, attrs={"case": case, "attempts": 3})
add("checkin", at(4, 8, 11, 40), "checkin-svc", region, subject=s,
    attrs={"case": case, "status": "safe", "channel": "call", "note_ref": "escort-visit"})

# Veracruz: a governor's statement, then a smear campaign.
ver = [(12, 5, "stigmatizing_statement", {"actor_type": "official", "speaker": "governor"}, "media_alert"),
       (13, 40, "smear_campaign", {"channel": "twitter"}, "media_alert"),
       (15, 15, "smear_campaign", {"channel": "facebook"}, "media_alert"),
       (16, 50, "stigmatizing_statement", {"actor_type": "public_servant"}, "media_alert"),
       (18, 20, "smear_campaign", {"channel": "twitter"}, "report"),
       (20, 0, "smear_campaign", {"channel": "whatsapp"}, "media_alert"),
       (22, 35, "smear_campaign", {"channel": "twitter"}, "media_alert")]
for h, mi, cat, attrs, type_ in ver:
    add(type_, at(4, 18, h, mi), "monitor-medios" if type_ == "media_alert" else "red-tdt", "MX-VER",
        municipality="Xalapa", groups=["journalist"], subject=subject_id(), category=cat, severity=2,
        tags=["social_media"], attrs=attrs)

# Mexico City: a wave of online attacks against one woman defender.
target = "p-3b9e01"
for h in (0, 5, 11, 19, 30, 41):
    add("media_alert", at(2, 20, 14, 0) + dt.timedelta(hours=h), "monitor-medios", "MX-CMX",
        municipality="Coyoacán", groups=["women_hrd"], subject=target,
        category="online_attack" if h != 19 else "smear_campaign", severity=2,
        tags=["social_media"], attrs={"channel": "twitter"})

# Chiapas: sexual violence against a woman defender.
add("report", at(4, 3, 3, 0), "red-tdt", "MX-CHP", municipality="Chenalhó", groups=["women_hrd", "indigenous"],
    subject=subject_id(), category="sexual_violence", severity=5)

# Sinaloa: threats against journalists in Culiacán, days before a killing.
for (m, d, h, mi), cat in [((4, 6, 16, 0), "threat"), ((4, 9, 2, 30), "surveillance"), ((4, 11, 18, 10), "threat")]:
    add("report", at(m, d, h, mi), "red-tdt", "MX-SIN", municipality="Culiacán", groups=["journalist"],
        subject=subject_id(), category=cat, severity=3)

# Killings and a disappearance.
add("report", at(2, 9, 23, 50), "red-tdt", "MX-VER", municipality="Poza Rica de Hidalgo", groups=["journalist"],
    subject=subject_id(), category="killing", severity=5)
add("report", at(4, 15, 12, 30), "red-tdt", "MX-SIN", municipality="Culiacán", groups=["journalist"],
    subject=subject_id(), category="killing", severity=5)
add("report", at(4, 25, 8, 0), "red-tdt", "MX-MIC", municipality="Apatzingán", groups=["community", "land_environment"],
    subject=subject_id(), category="disappearance", severity=5)

# --- Out ---------------------------------------------------------------------
events.sort(key=lambda e: (e["time"], e["source"], e["id"]))
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "events.jsonl")
with open(out, "w", encoding="utf-8") as f:
    for e in events:
        f.write(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n")
print("%d events -> %s" % (len(events), out))
