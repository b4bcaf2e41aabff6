"""Back office: manual data entry, ERP end of life, paper approvals, backups."""

from __future__ import annotations

from dev.world.content.build import P, category, need

NEEDS = (
    need(
        "manual_data_entry",
        "staff re-keying data between systems",
        sectors="52 524 62 42 48 56 53",
        size=(50, 10_000_000),
        weight=1.0,
        phrases=("copy-paste between screens", "re-keying orders by hand", "back-office data entry"),
        news=("{name} adds {big} temporary back-office staff to keep up with claims and order re-keying.",),
        job=(
            "{name} is hiring {n} Data Entry Clerks to transfer orders from email into our ERP.",
            "Operations Analyst at {name}: map every place staff retype the same information twice.",
        ),
        social=("Half my day at {name} is copying numbers from PDFs into three different screens.",),
        review=("Repetitive copy-paste work at {name}; mistakes get blamed on the clerks.",),
        web=("{name} operations update: error rate on hand-keyed orders reached {pct}% last {q}.",),
        techs=("Excel",),
        legacy=("AS/400",),
        personas=("COO", "Director of Operations", "Head of Shared Services"),
    ),
    need(
        "erp_end_of_life",
        "core ERP reaching end of mainstream maintenance",
        sectors="31 32 33 42 44 45 48 22",
        size=(250, 10_000_000),
        weight=0.8,
        phrases=(
            "the old {legacy} system",
            "maintenance deadline for our ERP",
            "custom code nobody dares touch",
        ),
        news=(
            "{name} confirms {legacy} mainstream maintenance ends in 2027 and a replacement decision is "
            "due this "
            "year.",
            "{name} annual report cites its ageing {legacy} landscape as a key operational risk.",
        ),
        job=(
            "{name} is hiring an ABAP Developer to keep {legacy} running while we plan what comes next.",
            "Business Systems Lead ({name}): inventory {big} custom reports in {legacy} ahead of a major "
            "change.",
        ),
        social=("Our {legacy} instance at {name} has more custom code than standard code. Send help.",),
        web=("{name} finance transformation: the clock is ticking on {legacy}; steering committee formed.",),
        techs=("SAP Fiori",),
        legacy=("SAP ECC", "Oracle E-Business Suite", "Microsoft Dynamics AX", "JD Edwards"),
        personas=("CIO", "CFO", "ERP Program Director"),
    ),
    need(
        "paper_approvals",
        "contracts and forms still signed on paper",
        sectors="53 52 62 54 61 23 56",
        size=(10, 10_000_000),
        weight=0.9,
        phrases=("wet signatures and couriers", "printed forms in triplicate", "approval folders on desks"),
        news=("{name} blames a week-long courier delay for late tenant move-ins and lost deals.",),
        job=(
            "{name} is hiring an Office Administrator to manage scanning, filing and couriering signed "
            "forms.",
        ),
        social=("Printed, signed, scanned and emailed {n} forms today at {name}. It is {year}.",),
        review=("Everything at {name} needs three signatures on paper; onboarding takes forever.",),
        web=("{name} branch notice: please allow {n} days for signed paperwork to reach head office.",),
        legacy=("fax",),
        personas=("Office Manager", "COO", "Head of Legal"),
    ),
    need(
        "data_loss_incident",
        "lost data and unreliable backups",
        sectors="",
        size=(10, 10_000_000),
        weight=0.7,
        phrases=(
            "backups that were never tested",
            "the file server crash",
            "restoring from last month's copy",
        ),
        news=("{name} lost {n} days of customer records after a storage failure; restore took a week.",),
        job=("{name} is hiring a Systems Administrator to fix backup jobs that silently fail.",),
        social=("The NAS died at {name}. The backup? Last successful run: {months} months ago.",),
        web=("{name} incident note: a server fault wiped shared drives; partial recovery only.",),
        legacy=("tape backup",),
        personas=("IT Manager", "CIO", "Office Manager"),
    ),
)

CATEGORIES = (
    category(
        "process_automation",
        "Intelligent process automation (RPA / IDP)",
        needs="manual_data_entry",
        size=(50, 10_000_000),
        budget=40_000,
        incumbents=("UiPath", "Automation Anywhere", "Microsoft Power Automate"),
        vendors=(
            "{name} bots read PDFs and emails and key the data into your ERP, ending copy-paste between "
            "screens.",
            "{name} helps back offices stop re-keying orders and claims by hand.",
            "{name} customers cut hand-keyed order errors by {pct}% in the first quarter.",
        ),
        prompts=(
            "RPA and intelligent document processing",
            "Automation platform for finance and operations back offices",
            "We build software robots for repetitive workflows. Which firms have the most manual "
            "back-office work?",
            "hyperautomation consulting",
            "Who would buy AI document capture for invoices, claims and purchase orders?",
        ),
        exemplar="run large manual back-office operations",
        distractors=("{name} installed new robotic lawn mowers at its campus.",),
    ),
    category(
        "erp_migration",
        "ERP migration and implementation",
        needs="erp_end_of_life",
        size=(250, 10_000_000),
        budget=250_000,
        incumbents=("SAP S/4HANA", "Oracle Fusion Cloud ERP", "NetSuite"),
        vendor_naics="541512",
        vendors=(
            "{name} migrates SAP ECC and Oracle E-Business Suite landscapes before the maintenance deadline.",
            "{name} custom-code analysis finds which reports in your old ERP matter; the rest are retired.",
            "{name} delivered {n} S/4HANA conversions this year for manufacturers and distributors.",
        ),
        prompts=(
            "S/4HANA migration partner",
            "Which manufacturers and distributors must replace their ERP in the next two years?",
            "We implement cloud ERP for mid-market companies and need a pipeline of transformation projects",
            P("RISE with SAP advisory for European industrial firms", countries="DE AT CH FR NL IT ES"),
            "finance and supply chain systems modernization",
        ),
        exemplar="face an ERP replacement decision",
        distractors=("{name} thanked its finance team for a smooth year-end close.",),
    ),
    category(
        "document_esign",
        "Electronic signature and document workflow",
        needs="paper_approvals",
        budget=5_000,
        incumbents=("DocuSign", "Adobe Acrobat Sign", "PandaDoc"),
        vendors=(
            "{name} ends printed forms, couriers and wet signatures with legally binding e-signatures.",
            "{name} templates cut paperwork for tenant move-ins and onboarding from days to minutes.",
            "{name} adds audit trails so approval folders no longer sit on desks.",
        ),
        prompts=(
            "e-signature software",
            "Digital agreement workflows for SMBs",
            "We sell paperless contract signing; find firms still running on printouts",
            P("eSign for real estate agencies and property managers", sectors="53"),
            "Businesses that lose days waiting for signatures and still mail documents back and forth",
        ),
        exemplar="still run on paper",
        distractors=("{name} signed a partnership with a local football club.",),
    ),
    category(
        "data_backup",
        "Backup and disaster recovery",
        needs="data_loss_incident ransomware_attack",
        budget=8_000,
        incumbents=("Veeam", "Rubrik", "Druva"),
        vendors=(
            "{name} makes backups you can actually restore: immutable copies, tested recovery, no more "
            "silent "
            "failed jobs.",
            "{name} recovers a crashed file server in minutes instead of restoring last month's copy.",
            "{name} protects against ransomware with air-gapped, immutable backups.",
        ),
        prompts=(
            "backup and disaster recovery as a service",
            "BDR and business continuity for small and mid-size companies",
            "Immutable backup vendor looking for accounts with weak resilience",
            P("DRaaS for companies with up to 500 employees", size="smb"),
            "Companies that could not get their systems back quickly after a crash or a cyberattack",
        ),
        exemplar="cannot afford to lose their data",
        distractors=("{name} recovered quickly from a storm that closed its {city} office for a day.",),
    ),
)
