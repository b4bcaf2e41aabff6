"""Operations: cold chain, warehouses, fleets, plants, supply chains, quality and field service."""

from __future__ import annotations

from dev.world.content.build import P, category, need

NEEDS = (
    need(
        "spoilage_losses",
        "temperature excursions spoiling food or medicine",
        sectors="4451 4452 311 312 3254 4244 4242 4931 484 7225 722 62",
        size=(10, 10_000_000),
        weight=1.2,
        phrases=("spoiled deliveries", "fridges that fail at night", "temperature logs kept on clipboards"),
        news=(
            "{name} wrote off ${loss} of stock after a refrigeration unit failed over the weekend.",
            "{name} recalls a batch of {product} after it was stored too warm in transit.",
        ),
        job=(
            "{name} is hiring a Quality Technician to check freezer logs twice a shift at our {city} depot.",
            "Refrigeration Engineer ({name}): respond to night-time fridge alarms across {n} sites.",
        ),
        social=("Came in Monday at {name} to a warm walk-in freezer and {big} kg of {product} in the bin.",),
        review=(
            "Clipboards on every fridge at {name}; half the readings are made up at the end of the shift.",
        ),
        web=(
            "{name} food safety statement: we are reviewing storage procedures after a customer complaint.",
        ),
        slots={
            "loss": ("40,000", "125,000", "280,000", "18,000"),
            "product": ("vaccines", "seafood", "dairy", "fresh produce", "insulin", "ice cream", "poultry"),
        },
        personas=("Quality Manager", "Operations Director", "Head of Supply Chain"),
    ),
    need(
        "warehouse_labor",
        "cannot find enough warehouse pickers",
        sectors="4931 42 45 44 4921 492 31 32 33",
        size=(50, 10_000_000),
        weight=1.1,
        phrases=("empty picker shifts", "agency labour costs", "orders shipping late at peak"),
        news=(
            "{name} is offering signing bonuses to warehouse staff after failing to fill {big} picker roles.",
            "{name} says late shipments rose at peak because its {city} warehouse could not staff night "
            "shifts.",
        ),
        job=(
            "{name} is hiring {big} Warehouse Associates in {city}; signing bonus for night shifts.",
            "Fulfilment Centre Manager at {name}: cut reliance on agency labour and raise units per hour.",
        ),
        social=("Picked {big} orders on my own tonight at {name}; half the shift didn't show.",),
        review=("Warehouse at {name} is always short-staffed; mandatory overtime every week.",),
        web=("{name} operations update: order processing times extended due to high demand.",),
        personas=("VP Operations", "Fulfilment Director", "Head of Logistics"),
    ),
    need(
        "fleet_electrification",
        "committed to electrifying its vehicle fleet",
        sectors="48 49 42 22 56 23 45 44 61 92",
        size=(50, 10_000_000),
        weight=0.9,
        phrases=("the first electric vans", "depot power capacity", "the diesel phase-out deadline"),
        news=(
            "{name} orders {big} electric vans and pledges a zero-emission delivery fleet by 2030.",
            "{name} applies for grid upgrades at its {city} depot ahead of its diesel phase-out.",
        ),
        job=("{name} is hiring a Fleet Transition Manager to plan depot power and the switch from diesel.",),
        social=("Our first {n} electric vans arrived at {name} today. Now: where do we plug them in?",),
        web=("{name} sustainability report: {pct}% of the fleet to be battery-electric within {n} years.",),
        techs=("Geotab",),
        personas=("Fleet Director", "Head of Sustainability", "COO"),
    ),
    need(
        "fuel_driver_costs",
        "fuel costs and risky driving across the fleet",
        sectors="48 49 42 23 56 22 81",
        size=(20, 10_000_000),
        weight=1.0,
        phrases=("the diesel bill", "speeding tickets and crashes", "vans idling for hours"),
        news=(
            "{name} says fuel now eats {pct}% of operating costs and insurance premiums rose after {n} "
            "crashes.",
        ),
        job=(
            "{name} is hiring a Fleet Coordinator to track {big} vehicles; currently by phone and paper "
            "logs.",
        ),
        social=("Boss at {name} wants to know where the vans are all day. Answer: we phone the drivers.",),
        review=("Drivers at {name} are under pressure and accidents are common; no one tracks anything.",),
        personas=("Fleet Manager", "Operations Director", "CFO"),
    ),
    need(
        "unplanned_downtime",
        "machines breaking down unexpectedly",
        sectors="31 32 33 21 22 4931 11",
        size=(50, 10_000_000),
        weight=1.1,
        phrases=("line stoppages", "spare parts ordered after the failure", "maintenance run on a calendar"),
        news=(
            "{name} lost {n} days of production when a key press failed at its {city} plant.",
            "{name} misses delivery targets after repeated breakdowns on line {n}.",
        ),
        job=(
            "{name} is hiring a Reliability Engineer to move from firefighting to planned maintenance.",
            "Maintenance Technician (nights), {name}: respond to breakdowns on {n} production lines.",
        ),
        social=("Line down again at {name}. Third bearing this month. Nobody saw it coming.",),
        web=("{name} plant newsletter: overall equipment effectiveness fell to {pct}% this {q}.",),
        personas=("Plant Manager", "Head of Maintenance", "VP Manufacturing"),
    ),
    need(
        "supplier_delays",
        "supplier delays and no visibility into shipments",
        sectors="31 32 33 42 44 45 4931",
        size=(50, 10_000_000),
        weight=1.0,
        phrases=("containers stuck at port", "chasing suppliers by email", "stock-outs nobody predicted"),
        news=(
            "{name} warns of shortages after shipments from Asia arrived {n} weeks late.",
            "{name} cuts its outlook, citing component delays from suppliers.",
        ),
        job=(
            "{name} is hiring a Supply Chain Analyst to track {big} inbound purchase orders in spreadsheets.",
        ),
        social=("Spent all day at {name} calling forwarders to find out where our containers are.",),
        web=("{name} customer notice: some items are back-ordered due to supplier delays.",),
        personas=("VP Supply Chain", "Head of Procurement", "COO"),
    ),
    need(
        "quality_defects",
        "product recalls and quality nonconformities",
        sectors="31 32 33 3254 3391 311",
        size=(30, 10_000_000),
        weight=1.0,
        phrases=("the recall", "paper batch records", "customer complaints about defects"),
        news=(
            "{name} recalls {big} units over a defect traced to one production batch.",
            "A customer audit of {name} found {n} major nonconformities in its batch records.",
        ),
        job=("{name} is hiring a Quality Engineer to manage CAPAs and supplier audits; currently on paper.",),
        social=("Spent the night at {name} going through binders to trace a bad batch.",),
        web=("{name} product notice: please return affected items from lot {n}{n}.",),
        personas=("Quality Director", "VP Manufacturing", "Regulatory Affairs Manager"),
    ),
    need(
        "technician_dispatch",
        "field technicians scheduled by phone and whiteboard",
        sectors="23 81 56 22 53 42 33",
        size=(10, 10_000_000),
        weight=1.0,
        phrases=(
            "missed appointment windows",
            "dispatch on a whiteboard",
            "second visits to fix the same fault",
        ),
        news=(
            "{name} customers complain about missed service appointments; the firm blames a technician "
            "shortage.",
        ),
        job=(
            "{name} is hiring a Service Dispatcher to coordinate {n} engineers by phone and whiteboard.",
            "Field Service Engineer at {name}: paper job sheets, van stock lists kept by hand.",
        ),
        social=("Took a day off for the {name} engineer. Nobody came. 'Between 8 and 6' apparently.",),
        review=("Technicians at {name} get their jobs by text message the night before.",),
        personas=("Service Director", "Operations Manager", "Owner"),
    ),
)

CATEGORIES = (
    category(
        "cold_chain",
        "Cold-chain temperature monitoring sensors",
        needs="spoilage_losses",
        size=(10, 10_000_000),
        budget=5_000,
        incumbents=("Sensitech", "Monnit", "ELPRO"),
        vendor_naics="334519",
        vendors=(
            "{name} wireless sensors alert you when fridges fail at night, before the stock is spoiled.",
            "{name} replaces clipboards and paper temperature logs with automatic, audit-ready records.",
            "{name} trackers follow vaccines and seafood through every truck and warehouse.",
        ),
        prompts=(
            "cold chain monitoring",
            "IoT temperature sensors for food service and pharma logistics",
            "We sell wireless probes with HACCP reporting to businesses that lose perishable stock when "
            "refrigeration "
            "fails",
            P("temperature monitoring for grocery chains", sectors="4451 4452"),
            "reefer and cold storage telemetry",
        ),
        exemplar="store or move temperature-sensitive goods",
        distractors=("{name} installed air conditioning in its {city} office after a summer heatwave.",),
    ),
    category(
        "warehouse_robotics",
        "Warehouse automation and picking robots",
        needs="warehouse_labor",
        size=(100, 10_000_000),
        budget=250_000,
        incumbents=("Locus Robotics", "AutoStore", "Geek+"),
        vendor_naics="333922",
        vendors=(
            "{name} autonomous mobile robots fill empty picker shifts and ship on time at peak.",
            "{name} cuts agency labour costs in fulfilment centres by {pct}%.",
            "{name} deploys goods-to-person systems in {n} weeks, no new building needed.",
        ),
        prompts=(
            "warehouse robotics",
            "AMRs and goods-to-person automation for fulfillment centers",
            "We sell robotic picking to 3PLs and retailers that cannot hire enough people for their "
            "distribution "
            "centers",
            P("automated storage and retrieval for large distributors", size="enterprise", sectors="42"),
            "intralogistics automation systems integrator",
        ),
        exemplar="run busy warehouses",
        distractors=("{name} hosted a school robotics competition in {city}.",),
    ),
    category(
        "fleet_charging",
        "EV fleet charging infrastructure",
        needs="fleet_electrification",
        size=(50, 10_000_000),
        budget=80_000,
        incumbents=("ChargePoint", "Wallbox", "Electrify America"),
        vendor_naics="335999",
        vendors=(
            "{name} plans depot power for your first electric vans and installs chargers in weeks.",
            "{name} smart charging keeps depot power capacity under the limit as you phase out diesel.",
            "{name} charging-as-a-service for delivery fleets: no upfront cost.",
        ),
        prompts=(
            "EV charging for commercial fleets",
            "Depot charging infrastructure and energy management",
            "We install EVSE at depots; which delivery fleets are switching away from diesel?",
            P("fleet charging in the UK and Netherlands", countries="GB NL"),
            "e-mobility solutions for logistics companies",
        ),
        exemplar="are moving to electric vehicles",
        distractors=("{name} added charging points for visitors at its {city} store.",),
    ),
    category(
        "fleet_telematics",
        "Fleet telematics and driver safety",
        needs="fuel_driver_costs",
        size=(20, 10_000_000),
        budget=8_000,
        incumbents=("Samsara", "Geotab", "Verizon Connect"),
        vendors=(
            "{name} shows where every van is, cuts idling and the diesel bill, and coaches risky drivers.",
            "{name} dash cams reduce crashes and insurance premiums.",
            "{name} GPS tracking now on {big}k vehicles.",
        ),
        prompts=(
            "fleet telematics",
            "GPS tracking and dashcams for commercial vehicles",
            "We sell driver safety and fuel management to companies whose vehicles burn too much fuel and "
            "get into "
            "accidents",
            P("fleet management for construction and field service companies", sectors="23 81"),
            "vehicle tracking software for SMB fleets",
        ),
        exemplar="operate vehicle fleets",
        distractors=("{name} gave its delivery bikes a fresh coat of paint.",),
    ),
    category(
        "predictive_maintenance",
        "Predictive maintenance (industrial IoT)",
        needs="unplanned_downtime",
        size=(50, 10_000_000),
        budget=40_000,
        incumbents=("Augury", "Uptake", "IBM Maximo"),
        vendors=(
            "{name} vibration sensors warn you weeks before a line stoppage; no more firefighting.",
            "{name} replaces calendar maintenance with condition-based plans.",
            "{name} raises OEE by {pct}% for food and chemical plants.",
        ),
        prompts=(
            "predictive maintenance platform",
            "Condition monitoring and asset performance management for plants",
            "We sell IIoT analytics for rotating equipment to plants suffering surprise breakdowns",
            P("PdM for mid-size manufacturers in the Midwest", countries="US", sectors="31 32 33"),
            "reliability engineering software",
        ),
        exemplar="depend on heavy equipment",
        distractors=("{name} repaired the roof of its {city} facility.",),
    ),
    category(
        "supply_chain_visibility",
        "Supply chain visibility and shipment tracking",
        needs="supplier_delays",
        size=(50, 10_000_000),
        budget=30_000,
        incumbents=("project44", "FourKites", "Flexport"),
        vendors=(
            "{name} tells you where your containers are, so nobody chases suppliers by email.",
            "{name} predicts stock-outs from inbound delays weeks ahead.",
            "{name} tracks {big}k shipments a day across ocean, road and air.",
        ),
        prompts=(
            "supply chain visibility platform",
            "Real-time transportation visibility and ETA prediction",
            "We sell control tower software; which shippers have the most disruption?",
            "supplier collaboration and inbound tracking",
            P("visibility for importers of consumer goods", sectors="42 44 45"),
        ),
        exemplar="suffer from supply chain disruptions",
        distractors=("{name} chose a new supplier of office furniture.",),
    ),
    category(
        "quality_management",
        "Quality management system (QMS)",
        needs="quality_defects",
        size=(30, 10_000_000),
        budget=15_000,
        incumbents=("MasterControl", "ETQ", "Veeva Vault QMS"),
        vendors=(
            "{name} replaces paper batch records and binders with traceability that finds a bad batch in "
            "minutes.",
            "{name} manages CAPAs, supplier audits and recalls in one place.",
            "{name} eQMS validated for medical device makers.",
        ),
        prompts=(
            "eQMS software",
            "Quality management for regulated manufacturers",
            "We sell CAPA and document control to manufacturers dealing with recalls or audit findings",
            P("QMS for medical device and pharma companies", sectors="3254 3391"),
            "manufacturing quality and traceability",
        ),
        exemplar="have quality problems",
        distractors=("{name} won a regional award for the quality of its customer service.",),
    ),
    category(
        "field_service",
        "Field service management software",
        needs="technician_dispatch",
        size=(10, 10_000_000),
        budget=6_000,
        incumbents=("ServiceTitan", "Jobber", "Salesforce Field Service"),
        vendors=(
            "{name} schedules engineers automatically, so no more missed appointment windows or whiteboards.",
            "{name} mobile job sheets and van stock for field technicians.",
            "{name} helps HVAC and plumbing firms fix faults on the first visit.",
        ),
        prompts=(
            "field service management software",
            "FSM platform for HVAC, plumbing and electrical contractors",
            "We sell technician scheduling and dispatch; find service businesses that keep missing customer "
            "appointments",
            P("service management for small trades businesses", size="smb"),
            "mobile workforce management",
        ),
        exemplar="send technicians into the field",
        distractors=("{name} serviced its office coffee machines.",),
    ),
)
