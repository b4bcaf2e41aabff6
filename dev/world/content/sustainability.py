"""Energy, emissions reporting and agriculture."""

from __future__ import annotations

from dev.world.content.build import P, category, need

NEEDS = (
    need(
        "energy_bill_spike",
        "energy bills soaring at buildings and plants",
        sectors="31 32 33 44 45 72 62 61 53 4931",
        size=(20, 10_000_000),
        weight=1.1,
        phrases=("the electricity bill", "heating running all weekend", "HVAC that nobody controls"),
        news=(
            "{name} says energy costs rose {pct}% and cut its profit forecast.",
            "{name} will close {n} sites on weekends to save on heating and power.",
        ),
        job=("{name} is hiring an Energy Manager to cut consumption across {n} buildings.",),
        social=("The lights at {name} stay on all weekend in an empty office. Power bill is insane.",),
        web=("{name} facilities update: thermostats reset to save energy this winter.",),
        personas=("Facilities Director", "CFO", "Head of Sustainability"),
    ),
    need(
        "emissions_disclosure",
        "must disclose emissions under new rules or customer pressure",
        sectors="31 32 33 42 52 22 48 44 45 21",
        size=(250, 10_000_000),
        weight=1.0,
        phrases=(
            "the first emissions disclosure",
            "supplier carbon questionnaires",
            "scope 3 data in spreadsheets",
        ),
        news=(
            "{name} will publish its first emissions report under the new EU disclosure rules next year.",
            "Major customers ask {name} for product carbon footprints before renewing contracts.",
        ),
        job=(
            "{name} is hiring a Sustainability Reporting Manager to prepare CSRD disclosures.",
            "ESG Analyst at {name}: collect carbon data from {big} suppliers; today it's email and Excel.",
        ),
        social=("Third supplier carbon questionnaire this week at {name}. All different formats.",),
        web=("{name} commits to net zero by 2040 and science-based targets.",),
        personas=("Chief Sustainability Officer", "CFO", "Head of ESG"),
    ),
    need(
        "water_costs",
        "water scarcity and irrigation costs on farms",
        sectors="11",
        size=(5, 10_000_000),
        weight=1.4,
        phrases=("irrigation water allocation cuts", "pumping costs", "uneven yields across fields"),
        news=("Drought restrictions cut {name}'s water allocation by {pct}% this season.",),
        job=("{name} is hiring an Irrigation Technician to manage {big} hectares.",),
        social=("Pumps running day and night at {name} and half the field still looks dry.",),
        web=("{name} harvest update: yields down in the southern blocks due to dry conditions.",),
        personas=("Farm Manager", "Owner", "Agronomist"),
    ),
)

CATEGORIES = (
    category(
        "energy_management",
        "Building energy management and HVAC optimisation",
        needs="energy_bill_spike emissions_disclosure",
        size=(20, 10_000_000),
        budget=15_000,
        incumbents=("Schneider EcoStruxure", "Siemens Desigo", "BrainBox AI"),
        vendor_naics="541690",
        vendors=(
            "{name} cuts the electricity bill by controlling HVAC and heating that run all weekend.",
            "{name} smart thermostats and sub-meters for stores and schools.",
            "{name} customers save {pct}% on power.",
        ),
        prompts=(
            "energy management system for commercial buildings",
            "BMS analytics and HVAC optimization",
            "We sell energy efficiency retrofits; find companies with high utility costs",
            P("EMS for retail chains and supermarkets", sectors="44 45"),
            "decarbonization of building portfolios",
        ),
        exemplar="have high energy costs",
        distractors=("{name} employees took part in a charity energy drink tasting.",),
    ),
    category(
        "esg_reporting",
        "Carbon accounting and ESG reporting",
        needs="emissions_disclosure",
        size=(250, 10_000_000),
        budget=30_000,
        incumbents=("Watershed", "Persefoni", "Sweep"),
        vendors=(
            "{name} turns scope 3 data in spreadsheets into your first emissions disclosure.",
            "{name} answers supplier carbon questionnaires automatically.",
            "{name} CSRD-ready reporting for {big} companies.",
        ),
        prompts=(
            "carbon accounting software",
            "ESG data management and sustainability reporting platform",
            "We sell CSRD compliance tooling to companies facing new climate reporting obligations",
            P(
                "GHG protocol reporting for European manufacturers",
                countries="DE FR IT ES NL PL SE AT BE",
                sectors="31 32 33",
            ),
            "net-zero strategy software",
        ),
        exemplar="must report their emissions",
        distractors=("{name} planted {big} trees at a volunteer day.",),
    ),
    category(
        "precision_agriculture",
        "Precision irrigation and farm sensors",
        needs="water_costs",
        size=(5, 10_000_000),
        budget=3_000,
        incumbents=("CropX", "Netafim", "John Deere Operations Center"),
        vendor_naics="333111",
        vendors=(
            "{name} soil sensors tell you exactly when and where to irrigate, cutting pumping costs.",
            "{name} variable-rate irrigation evens out yields across fields.",
            "{name} helps growers cope with water allocation cuts.",
        ),
        prompts=(
            "precision agriculture",
            "Smart irrigation and soil moisture monitoring",
            "We sell agtech sensors to growers facing drought and rising water costs",
            "farm management and crop analytics",
            P("precision ag for large growers in Spain and Australia", countries="ES AU"),
        ),
        exemplar="farm large areas",
        distractors=("{name} sponsored a farmers market in {city}.",),
    ),
)
