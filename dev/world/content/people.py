"""People: payroll and employer of record, learning, recruiting, retention, shift scheduling, safety."""

from __future__ import annotations

from dev.world.content.build import P, category, need

NEEDS = (
    need(
        "payroll_errors",
        "payroll mistakes and manual payroll runs",
        sectors="",
        size=(20, 5_000),
        weight=0.9,
        phrases=(
            "paychecks that come out wrong",
            "payroll run from spreadsheets",
            "overtime calculated by hand",
        ),
        news=("Workers at {name} protest after a second month of missing overtime on their pay slips.",),
        job=("{name} is hiring a Payroll Specialist to fix recurring errors for {big} hourly employees.",),
        social=(
            "Payday at {name} and my check is short again. HR says 'the spreadsheet had a formula issue'.",
        ),
        review=("Pay at {name} is frequently wrong and it takes weeks to get corrected.",),
        web=("{name} HR notice: corrections for last month's pay will be made in the next cycle.",),
        legacy=("in-house payroll spreadsheets", "Sage Payroll"),
        personas=("HR Director", "CFO", "Payroll Manager"),
    ),
    need(
        "onboarding_scale",
        "onboarding large numbers of new hires quickly",
        sectors="",
        size=(100, 10_000_000),
        weight=1.0,
        phrases=(
            "the onboarding binder",
            "new starters shadowing for weeks",
            "training that lives in PowerPoint",
        ),
        news=("{name} will add {big} employees this year as it opens {n} new sites.",),
        job=(
            "{name} seeks a Training Coordinator to onboard {big} new hires across {n} locations.",
            "Instructional Designer ({name}): turn our slide decks and binders into something people finish.",
        ),
        social=("New hire week {n} at {name}: still shadowing, still reading the 200-page binder.",),
        review=("{name} throws you in at the deep end; onboarding is a stack of old slides.",),
        personas=("Head of Learning", "HR Director", "COO"),
    ),
    need(
        "mandatory_training",
        "mandatory compliance training tracked on paper",
        sectors="62 52 22 48 31 32 33 61 72",
        size=(50, 10_000_000),
        weight=0.9,
        phrases=(
            "certifications tracked in spreadsheets",
            "expired mandatory courses",
            "sign-in sheets for training",
        ),
        news=("Inspectors cited {name} after {pct}% of staff lacked current mandatory certificates.",),
        job=(
            "{name} is hiring a Compliance Training Administrator to track certifications for {big} staff.",
        ),
        social=(
            "Sat through the same fire safety slideshow three times because {name} lost the sign-in sheet.",
        ),
        web=("{name} policy: all staff must renew annual certificates by {q}; HR will chase by email.",),
        personas=("Head of Learning", "Compliance Manager", "HR Director"),
    ),
    need(
        "hiring_surge",
        "hiring far more people than the recruiting team can handle",
        sectors="",
        size=(50, 10_000_000),
        weight=1.1,
        phrases=("hundreds of open roles", "CVs piling up in the inbox", "candidates who never hear back"),
        news=(
            "{name} plans to hire {big} people in {city} over the next {months} months.",
            "{name} opens a new facility and announces {big} jobs.",
        ),
        job=(
            "{name} is hiring {n} Recruiters and a Talent Acquisition Lead to support rapid growth.",
            "Recruitment Coordinator at {name}: schedule {big} interviews a month; today it's all email.",
        ),
        social=("Applied to {name} {n} weeks ago and never heard back. Do they read applications?",),
        web=("{name} careers page lists {big} open positions across {n} locations.",),
        personas=("Head of Talent Acquisition", "HR Director", "COO"),
    ),
    need(
        "high_turnover",
        "staff quitting at a high rate",
        sectors="72 44 45 62 56 48 61 81",
        size=(30, 10_000_000),
        weight=1.1,
        phrases=("people leaving within months", "exit interviews saying nobody listens", "burned-out teams"),
        news=("{name} staff turnover reached {pct}% last year, the company disclosed.",),
        job=("{name} is hiring a People Partner focused on retention after a year of record resignations.",),
        social=("Fifth colleague quit this month at {name}. Nobody asks why.",),
        review=(
            "Management at {name} never listens; most of my team left within a year.",
            "Good people leave {name} fast. Morale is low and nobody measures it.",
        ),
        personas=("CHRO", "HR Director", "COO"),
    ),
    need(
        "shift_chaos",
        "shift rotas and overtime out of control",
        sectors="72 44 45 62 48 49 31 32 33 56 71",
        size=(20, 10_000_000),
        weight=1.0,
        phrases=("rotas built in Excel", "last-minute no-shows", "overtime bills"),
        news=("{name} overtime costs rose {pct}% as managers struggled to cover shifts.",),
        job=(
            "{name} is hiring a Workforce Planner; rotas for {big} hourly staff are currently built by hand.",
        ),
        social=("Got my shift schedule at {name} the night before. Again. Swapping shifts means 20 texts.",),
        review=("Scheduling at {name} is chaos; shifts change without notice and swaps are impossible.",),
        personas=("Operations Director", "HR Director", "Store Operations Manager"),
    ),
    need(
        "safety_incidents",
        "workplace injuries and safety citations",
        sectors="23 31 32 33 48 49 21 11 22 56",
        size=(20, 10_000_000),
        weight=1.0,
        phrases=("near misses written on paper", "the injury rate", "the inspector's citation"),
        news=(
            "{name} was cited by safety inspectors after a worker was injured at its {city} site.",
            "{name} reports a rise in recordable injuries and lost-time incidents this year.",
        ),
        job=(
            "{name} is hiring an HSE Manager to reduce incidents across {n} sites; reporting is paper-based.",
        ),
        social=("Another near miss at the {name} plant today. The paper report will go in a drawer.",),
        web=("{name} safety notice: mandatory toolbox talks after {n} incidents this {q}.",),
        personas=("HSE Director", "Plant Manager", "COO"),
    ),
)

CATEGORIES = (
    category(
        "payroll_eor",
        "Global payroll and employer of record (EOR)",
        needs="intl_expansion payroll_errors",
        size=(10, 5_000),
        budget=10_000,
        incumbents=("Deel", "Remote", "Workday", "ADP"),
        vendors=(
            "{name} lets you hire your first people abroad in days, with compliant contracts and local "
            "payroll.",
            "{name} ends paychecks that come out wrong: automatic overtime, taxes and filings.",
            "{name} now covers {big} countries for companies opening overseas offices.",
        ),
        prompts=(
            "employer of record and global payroll",
            "EOR platform for startups hiring internationally",
            "We sell payroll software and compliance services; which companies are hiring their first "
            "staff in other "
            "countries or getting pay wrong?",
            "contractor management and cross-border payments",
            P("payroll provider for small businesses in the UK", countries="GB", size="smb"),
        ),
        exemplar="are hiring abroad or struggling with payroll",
        distractors=("{name} increased its minimum hourly pay across {city}.",),
    ),
    category(
        "lms",
        "Learning management system (LMS)",
        needs="onboarding_scale mandatory_training",
        size=(100, 10_000_000),
        budget=15_000,
        incumbents=("Docebo", "Cornerstone", "360Learning"),
        vendors=(
            "{name} replaces the onboarding binder with short courses new starters actually finish.",
            "{name} tracks certifications automatically; no more expired mandatory courses or sign-in "
            "sheets.",
            "{name} helps retailers train {big} seasonal hires in a week.",
        ),
        prompts=(
            "learning management system",
            "Corporate LMS for frontline workforce training",
            "We sell an LXP with compliance tracking to organizations bringing on lots of new staff",
            P("employee training platform for healthcare providers", sectors="62"),
            "e-learning and upskilling software",
        ),
        exemplar="need to train lots of people",
        distractors=("{name} sponsors a university course on logistics in {city}.",),
    ),
    category(
        "recruiting_ats",
        "Applicant tracking and recruiting automation",
        needs="hiring_surge",
        size=(50, 10_000_000),
        budget=12_000,
        incumbents=("Greenhouse", "Lever", "Workday Recruiting"),
        vendors=(
            "{name} handles hundreds of open roles: CVs out of the inbox, interviews scheduled "
            "automatically.",
            "{name} makes sure every candidate hears back, even when you hire at volume.",
            "{name} ATS now used by {big} fast-growing employers.",
        ),
        prompts=(
            "applicant tracking system",
            "High-volume hiring software",
            "We sell recruiting automation and interview scheduling; find companies in growth mode",
            "talent acquisition platform",
            P("ATS for hospitals and healthcare staffing", sectors="62 5613"),
        ),
        exemplar="are hiring aggressively",
        distractors=("{name} retired its mascot after {n} years.",),
    ),
    category(
        "employee_engagement",
        "Employee engagement and retention analytics",
        needs="high_turnover",
        size=(30, 10_000_000),
        budget=8_000,
        incumbents=("Culture Amp", "Qualtrics EmployeeXM", "Peakon"),
        vendors=(
            "{name} pulse surveys find out why people leave before they do.",
            "{name} helps managers of burned-out teams act on feedback, not exit interviews.",
            "{name} customers reduced resignations by {pct}%.",
        ),
        prompts=(
            "employee engagement platform",
            "People analytics to reduce attrition",
            "We sell engagement surveys and manager coaching to employers losing people faster than they can "
            "replace them",
            P("retention software for restaurant and retail chains", sectors="72 44 45"),
            "employee experience and eNPS measurement",
        ),
        exemplar="are losing too many employees",
        distractors=("{name} engaged a new auditor for its accounts.",),
    ),
    category(
        "workforce_scheduling",
        "Workforce management and shift scheduling",
        needs="shift_chaos",
        size=(20, 10_000_000),
        budget=8_000,
        incumbents=("Deputy", "UKG Workforce", "When I Work"),
        vendors=(
            "{name} builds rotas in minutes instead of Excel and fills last-minute no-shows automatically.",
            "{name} lets hourly staff swap shifts from their phones and cuts overtime bills.",
            "{name} scheduling now used in {big} restaurants across {city}.",
        ),
        prompts=(
            "workforce management software",
            "Shift scheduling app for hourly teams",
            "We sell labor scheduling and time tracking to employers whose managers struggle to cover shifts",
            P("WFM for hospitals and care homes", sectors="62"),
            "demand-based labor planning for retail and hospitality",
        ),
        exemplar="run large hourly workforces",
        distractors=("{name} changed its opening hours for the holiday season.",),
    ),
    category(
        "ehs_safety",
        "EHS / workplace safety software",
        needs="safety_incidents mandatory_training",
        size=(20, 10_000_000),
        budget=10_000,
        incumbents=("Intelex", "Cority", "SafetyCulture"),
        vendors=(
            "{name} captures near misses on a phone instead of paper and shows the injury rate live.",
            "{name} helps plants prepare for inspectors and avoid citations.",
            "{name} digital toolbox talks used on {big} construction sites.",
        ),
        prompts=(
            "EHS software",
            "Environment, health and safety management platform",
            "We sell incident management and safety inspections software to companies with too many "
            "accidents at work",
            P("safety compliance tools for construction contractors", sectors="23"),
            "occupational health and safety digitalization",
        ),
        exemplar="need to improve workplace safety",
        distractors=("{name} released a food safety recall notice for a partner brand.",),
    ),
)
